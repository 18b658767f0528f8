"""Train the small models the deployer's tests serve.

Usage: /usr/bin/python3 train_models.py OUT_DIR

Writes xgb_a.json and xgb_b.json (binary:logistic XGBoost models on 4
features f0..f3, different seeds), rf.pkl (a scikit-learn random forest on
the same features, pickled) and example.json (3 rows, dataframe_split).
It also writes xgbc.xgb, an XGBClassifier (3 classes) saved in XGBoost's
binary format (no feature names, as mlflow.xgboost.save_model writes it),
and predicted.json: 12 rows, and rf.predict and xgbc.predict on them.
"""
import json
import os
import pickle
import sys

import numpy as np
import xgboost as xgb
from sklearn.ensemble import RandomForestClassifier

out = sys.argv[1]
names = ["f0", "f1", "f2", "f3"]
rng = np.random.default_rng(7)
x = rng.normal(size=(400, 4))
y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype(int)
for tag, seed in (("a", 1), ("b", 2)):
    d = xgb.DMatrix(x, label=y, feature_names=names)
    b = xgb.train({"objective": "binary:logistic", "max_depth": 3, "nthread": 1, "seed": seed,
                   "subsample": 0.8}, d, 5 + seed)
    b.save_model(os.path.join(out, "xgb_%s.json" % tag))
rf = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0, n_jobs=1).fit(x, y)
with open(os.path.join(out, "rf.pkl"), "wb") as f:
    pickle.dump(rf, f)
with open(os.path.join(out, "example.json"), "w") as f:
    json.dump({"dataframe_split": {"columns": names, "data": x[:3].round(4).tolist()}}, f)

yc = np.digitize(x[:, 0] + x[:, 1], [-0.5, 0.5])
xgbc = xgb.XGBClassifier(n_estimators=8, max_depth=3, n_jobs=1, random_state=0).fit(x, yc)
xgbc.save_model(os.path.join(out, "xgbc.xgb"))
rows = x[:12].round(4)
with open(os.path.join(out, "predicted.json"), "w") as f:
    json.dump({"rows": rows.tolist(), "rf": rf.predict(rows).tolist(), "xgbc": xgbc.predict(rows).tolist()}, f)
