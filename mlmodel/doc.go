// Package mlmodel reads the MLmodel file of an MLflow model folder (what
// mlflow.sklearn.save_model, mlflow.xgboost.save_model and their log_model
// write: MLmodel, the model file, conda.yaml, requirements.txt) and says
// how mlcd serves the folder: which of its flavors (xgboost natively,
// sklearn with Python workers), the model file inside it, the method to
// call, and the input columns of its signature.
//
// The YAML is read with bounds (size, nesting) and without anchors,
// aliases or tags, which MLflow never writes. Unknown keys are ignored, as
// MLflow adds keys across releases.
//
// It is not a model loader, and it knows nothing of the registry or the
// deployer: both import it.
package mlmodel
