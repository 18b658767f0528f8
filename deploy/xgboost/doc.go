// Package xgboost serves XGBoost models natively: it reads the model files
// XGBoost's save_model writes (JSON, UBJSON and the 1.x binary format;
// gbtree and dart boosters)
// and evaluates the trees in Go with XGBoost's float32 arithmetic, so its
// predictions equal the booster's own predict without Python at serve time.
//
// A *Model is a scoring.Predictor. The package does not train, and does not
// support categorical splits or linear boosters (Load says so).
package xgboost
