"""Train small XGBoost models and record XGBoost's own predictions.

Usage: train_parity.py OUTDIR

For each model kind it writes OUTDIR/<kind>.json, .ubj and .bin (save_model
in the JSON, UBJSON and legacy binary formats), OUTDIR/<kind>.x.csv (1,000
held-out rows, with missing values as "nan") and OUTDIR/<kind>.pred.csv
(Booster.predict on those rows, one line per row). It also prints the
XGBoost version. Run it with Debian's /usr/bin/python3 (python3-xgboost).
"""
import os
import sys

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.datasets import make_classification, make_regression

N_TRAIN, N_TEST, N_FEAT = 3000, 1000, 10


def with_missing(x, rng, frac=0.1):
    x = x.copy()
    x[rng.random(x.shape) < frac] = np.nan
    return x


def data(kind, rng):
    if kind in ("regression", "poisson", "dart"):
        x, y = make_regression(n_samples=N_TRAIN + N_TEST, n_features=N_FEAT, noise=5.0, random_state=1)
        if kind == "poisson":
            y = rng.poisson(np.exp((y - y.mean()) / (4 * y.std())) * 3)
        return x, y
    classes = 3 if kind in ("multi", "softmax") else 2
    x, y = make_classification(n_samples=N_TRAIN + N_TEST, n_features=N_FEAT, n_informative=6,
                               n_classes=classes, random_state=2)
    return x, y


PARAMS = {
    "binary": {"objective": "binary:logistic", "base_score": 0.3},
    "logitraw": {"objective": "binary:logitraw"},
    "multi": {"objective": "multi:softprob", "num_class": 3},
    "softmax": {"objective": "multi:softmax", "num_class": 3},
    "regression": {"objective": "reg:squarederror", "base_score": 7.25},
    "poisson": {"objective": "count:poisson"},
    "dart": {"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.1, "seed": 3},
}


def main(out):
    rng = np.random.default_rng(0)
    names = [f"f{i}" for i in range(N_FEAT)]
    for kind, params in PARAMS.items():
        x, y = data(kind, rng)
        x = with_missing(x, rng)
        xtr, ytr, xte = x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:]
        # The regression model is trained without feature names: a
        # positional schema.
        fn = None if kind == "regression" else names
        dtrain = xgb.DMatrix(xtr, label=ytr, feature_names=fn)
        p = {"max_depth": 5, "eta": 0.3, "nthread": 1, **params}
        booster = xgb.train(p, dtrain, num_boost_round=40)
        for ext in ("json", "ubj", "bin"):
            booster.save_model(os.path.join(out, f"{kind}.{ext}"))
        pred = booster.predict(xgb.DMatrix(xte, feature_names=fn))
        pd.DataFrame(xte).to_csv(os.path.join(out, f"{kind}.x.csv"), header=False, index=False, na_rep="nan")
        np.savetxt(os.path.join(out, f"{kind}.pred.csv"), np.asarray(pred, dtype=np.float64).reshape(N_TEST, -1),
                   delimiter=",", fmt="%.17g")
    print(xgb.__version__)


if __name__ == "__main__":
    main(sys.argv[1])
