// Package lightgbm serves LightGBM text models (model.txt, what
// Booster.save_model writes) natively through github.com/dmitryikh/leaves,
// with the objective's transform (sigmoid for binary, softmax for
// multiclass), as a scoring.Predictor.
//
// It does not train, and reads only LightGBM's text format.
package lightgbm
