"""train: fit a linear model by gradient descent (replace with your training).

Reads $MLCD_IN_PREPARE/data.csv. Writes into $MLCD_OUT:
  model.json          the model file: feature names, weights, intercept
  metrics.json        rmse and r2 on the last fifth of the rows
  params.json         the hyperparameters used
  input_example.json  a scoring request of three rows
The loss of every 20th epoch goes to the run's metric history with `mlcd log`.
Only the standard library is used.
"""

import csv
import json
import os
import shutil
import subprocess

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
    epochs, lr = int(params.get("epochs", 200)), float(params.get("learning_rate", 0.05))
    with open(os.path.join(os.environ["MLCD_IN_PREPARE"], "data.csv")) as f:
        rows = [[float(r[c]) for c in FEATURES + ["y"]] for r in csv.DictReader(f)]
    cut = len(rows) * 4 // 5
    train, test = rows[:cut], rows[cut:]

    w, b = [0.0] * len(FEATURES), 0.0
    for epoch in range(epochs):
        gw, gb, loss = [0.0] * len(FEATURES), 0.0, 0.0
        for *x, y in train:
            err = sum(wi * xi for wi, xi in zip(w, x)) + b - y
            loss += err * err
            gw = [g + 2 * err * xi for g, xi in zip(gw, x)]
            gb += 2 * err
        w = [wi - lr * g / len(train) for wi, g in zip(w, gw)]
        b -= lr * gb / len(train)
        if epoch % 20 == 0 or epoch == epochs - 1:
            log_metric("train_mse", loss / len(train), epoch)

    preds = [sum(wi * xi for wi, xi in zip(w, x)) + b for *x, _ in test]
    ys = [r[-1] for r in test]
    mean = sum(ys) / len(ys)
    sse = sum((p - y) ** 2 for p, y in zip(preds, ys))
    sst = sum((y - mean) ** 2 for y in ys)
    out("model.json", {"features": FEATURES, "weights": w, "intercept": b})
    out("metrics.json", {"rmse": (sse / len(ys)) ** 0.5, "r2": 1 - sse / sst})
    out("params.json", {"epochs": epochs, "learning_rate": lr})
    out("input_example.json", {"dataframe_split": {"columns": FEATURES, "data": [r[:-1] for r in test[:3]]}})
    print("train: r2=%.4f" % (1 - sse / sst))


if __name__ == "__main__":
    main()
