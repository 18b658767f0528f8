"""train: fit a linear model with scikit-learn (replace with your training).

Reads $MLCD_IN_PREPARE/data.csv. Writes into $MLCD_OUT:
  model.pkl           the model file: a pickled scikit-learn pipeline
                      (StandardScaler, then SGDRegressor) that mlcd serves
                      itself (flavor: sklearn in mlcd.yaml)
  metrics.json        rmse and r2 on the last fifth of the rows
  params.json         the hyperparameters used
  input_example.json  a scoring request of three rows
The model is fitted on a data frame, so it keeps its input columns' names:
requests are matched to them by name. The training loss of every 10th
epoch goes to the run's metric history with `mlcd log`.
Needs scikit-learn and pandas (Debian: python3-sklearn python3-pandas).
"""

import json
import os
import pickle
import shutil
import subprocess

import pandas as pd
from sklearn.linear_model import SGDRegressor
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["x1", "x2"]


def out(name, obj):
    with open(os.path.join(os.environ["MLCD_OUT"], name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)


def log_metric(name, value, step):
    if shutil.which("mlcd") and "MLCD_LOG_FILE" in os.environ:
        subprocess.run(["mlcd", "log", "metric", name, repr(value), "--step", str(step)], check=True)


def main():
    with open(os.environ["MLCD_PARAMS"]) as f:
        params = json.load(f)
    hp = {
        "epochs": int(params.get("epochs", 100)),
        "learning_rate": float(params.get("learning_rate", 0.01)),
        "seed": int(params.get("seed", 42)),
    }
    data = pd.read_csv(os.path.join(os.environ["MLCD_IN_PREPARE"], "data.csv"))
    cut = len(data) * 4 // 5
    train, test = data[:cut], data[cut:]

    # One partial_fit call is one pass over the training rows: an epoch.
    scaler = StandardScaler().fit(train[FEATURES])
    X = scaler.transform(train[FEATURES])
    sgd = SGDRegressor(learning_rate="constant", eta0=hp["learning_rate"], random_state=hp["seed"])
    for epoch in range(hp["epochs"]):
        sgd.partial_fit(X, train["y"])
        if epoch % 10 == 0 or epoch == hp["epochs"] - 1:
            log_metric("train_mse", float(mean_squared_error(train["y"], sgd.predict(X))), epoch)
    model = make_pipeline(scaler, sgd)

    pred = model.predict(test[FEATURES])
    r2 = float(r2_score(test["y"], pred))
    with open(os.path.join(os.environ["MLCD_OUT"], "model.pkl"), "wb") as f:
        pickle.dump(model, f)
    out("metrics.json", {"rmse": float(mean_squared_error(test["y"], pred)) ** 0.5, "r2": r2})
    out("params.json", dict(hp, model="StandardScaler+SGDRegressor"))
    out("input_example.json", {"dataframe_split": {"columns": FEATURES, "data": test[FEATURES][:3].values.tolist()}})
    print("train: r2=%.4f" % r2)


if __name__ == "__main__":
    main()
