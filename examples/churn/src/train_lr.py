"""train_lr: a logistic regression written as an MLflow script, the way the
tutorials' trainers are: set_experiment, start_run, log_param, log_metric
with steps, log_artifact, mlflow.sklearn.log_model, register_model and a
transition to Production. Nothing in it knows about mlcd: mlcd serves
MLflow's REST API at $MLFLOW_TRACKING_URI, records what the script logs in
the run record, registers the model folder as churn-lr, and turns the
transition into a promotion pull request.

(mlflow_rest stands in for the mlflow package, which is not installable
here; see its docstring.)

Params (mlcd.yaml `params:`): lr_C, lr_epochs, seed.
"""

import os
import tempfile

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlflow_rest as mlflow
from common import classification_metrics, load_split, params
from mlflow_rest import MlflowClient


def main():
    p = params()
    alpha = 1.0 / (float(p.get("lr_C", 1.0)) * 1000)
    epochs = int(p.get("lr_epochs", 15))
    seed = int(p.get("seed", 42))
    X_train, y_train, X_test, y_test, names = load_split()

    mlflow.set_experiment("churn")
    with mlflow.start_run(run_name="logistic-regression") as run:
        mlflow.log_params({"model": "SGDClassifier(log_loss)", "alpha": alpha, "epochs": epochs, "seed": seed})
        scaler = StandardScaler().fit(X_train)
        clf = SGDClassifier(loss="log_loss", alpha=alpha, random_state=seed)
        Xs, Xt = scaler.transform(X_train), scaler.transform(X_test)
        for epoch in range(epochs):
            clf.partial_fit(Xs, y_train, classes=np.array([0, 1]))
            mlflow.log_metric("test_logloss", log_loss(y_test, clf.predict_proba(Xt)[:, 1]), step=epoch)

        model = make_pipeline(scaler, clf)
        proba = model.predict_proba(X_test)[:, 1]
        metrics = classification_metrics(y_test, (proba > 0.5).astype(int), proba)
        for k, v in metrics.items():
            mlflow.log_metric(k, v)

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "coefficients.csv")
            with open(path, "w") as f:
                f.write("feature,coefficient\n")
                f.writelines("%s,%r\n" % (n, float(c)) for n, c in zip(names, clf.coef_[0]))
            mlflow.log_artifact(path)
        mlflow.sklearn.log_model(model, "model")
        mv = mlflow.register_model("runs:/%s/model" % run.info.run_id, "churn-lr")

    client = MlflowClient()
    latest = client.get_latest_versions("churn-lr", stages=["None"])
    mv = client.transition_model_version_stage("churn-lr", latest[-1].version if latest else mv.version, "Production")
    print("train_lr: version %s is %s (%s)" % (mv.version, mv.current_stage, mv.status_message))
    print("train_lr: " + ", ".join("%s=%.4f" % kv for kv in sorted(metrics.items())))


if __name__ == "__main__":
    main()
