"""Train the benchmark model: XGBoost binary:logistic, 100 trees of depth 6
on 10 features named f0..f9.

Usage: train_bench.py OUTDIR  -> OUTDIR/model.json and OUTDIR/body.json (one
held-out row as a dataframe_split request).
"""
import json
import os
import sys

import xgboost as xgb
from sklearn.datasets import make_classification

out = sys.argv[1]
names = [f"f{i}" for i in range(10)]
x, y = make_classification(n_samples=20000, n_features=10, n_informative=7, random_state=7)
d = xgb.DMatrix(x[:-1], label=y[:-1], feature_names=names)
params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "nthread": 1}
booster = xgb.train(params, d, num_boost_round=100)
booster.save_model(os.path.join(out, "model.json"))
row = [float(f"{v:.8g}") for v in x[-1]]
with open(os.path.join(out, "body.json"), "w") as f:
    json.dump({"dataframe_split": {"columns": names, "data": [row]}}, f)
