// Package scoring speaks the model scoring protocol of `mlflow models serve`:
// it decodes /invocations requests (JSON dataframe_split, dataframe_records,
// instances, inputs, and CSV) into a typed Frame ordered by the model's
// schema, and serves /ping, /health, /version and /invocations for any
// Predictor.
//
// It is not a model runtime: flavors (deploy/xgboost, ...) implement
// Predictor. It is not the deployer or the gateway either: those mount the
// Handler this package returns.
package scoring
