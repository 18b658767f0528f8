"""Helpers shared by the churn tasks: params, outputs, metrics and charts.

Only the task protocol of mlcd is used here (MLCD_OUT, MLCD_PARAMS,
MLCD_IN_<TASK>, `mlcd log`), so the tasks also run under any other runner
that sets those variables.
"""

import json
import os
import shutil
import subprocess

import pandas as pd


def params():
    """The run's params: $MLCD_PARAMS, a JSON object (empty outside mlcd)."""
    path = os.environ.get("MLCD_PARAMS")
    if not path:
        return {}
    with open(path) as f:
        return json.load(f)


def out_path(name):
    return os.path.join(os.environ["MLCD_OUT"], name)


def write_json(name, obj):
    """Write obj as JSON into $MLCD_OUT/name, keys sorted for stable bytes."""
    with open(out_path(name), "w") as f:
        json.dump(obj, f, sort_keys=True, indent=1, default=_plain)
        f.write("\n")


def _plain(v):
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    raise TypeError("not JSON serializable: %r" % (v,))


def load_split():
    """Return X_train, y_train, X_test, y_test and the feature names from features' outputs."""
    src = os.environ["MLCD_IN_FEATURES"]
    with open(os.path.join(src, "features.json")) as f:
        spec = json.load(f)
    names, label = spec["features"], spec["label"]
    train = pd.read_csv(os.path.join(src, "train.csv"))
    test = pd.read_csv(os.path.join(src, "test.csv"))
    return train[names], train[label], test[names], test[label], names


def classification_metrics(y_true, labels, proba):
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

    return {
        "accuracy": round(float(accuracy_score(y_true, labels)), 6),
        "precision": round(float(precision_score(y_true, labels, zero_division=0)), 6),
        "recall": round(float(recall_score(y_true, labels, zero_division=0)), 6),
        "f1": round(float(f1_score(y_true, labels, zero_division=0)), 6),
        "roc_auc": round(float(roc_auc_score(y_true, proba)), 6),
    }


def importance_chart(names, values, title, name="feature_importance.png"):
    """Draw a horizontal bar chart of feature importances into $MLCD_OUT/name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = sorted(range(len(names)), key=lambda i: values[i])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.barh([names[i] for i in order], [values[i] for i in order], color="#3b7dd8")
    ax.set_title(title)
    ax.set_xlabel("importance")
    fig.tight_layout()
    fig.savefig(out_path(name), metadata={"Software": None})
    plt.close(fig)


def input_example(X_test, rows=5):
    """Write input_example.json: a scoring-protocol request of a few test rows."""
    head = X_test.head(rows)
    write_json("input_example.json", {
        "dataframe_split": {
            "columns": list(head.columns),
            "data": [[float(v) for v in row] for row in head.itertuples(index=False)],
        }
    })


def log_metric(name, value, step):
    """Append one point of a metric's history with `mlcd log`; a no-op without mlcd."""
    if "MLCD_LOG_FILE" not in os.environ or shutil.which("mlcd") is None:
        return
    subprocess.run(["mlcd", "log", "metric", name, repr(float(value)), "--step", str(step)], check=True)
