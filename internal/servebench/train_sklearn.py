"""Train the sklearn benchmark model: a RandomForestClassifier of 200 trees
of depth 10 on 20 numeric features named f0..f19, fitted on a data frame.

Usage: train_sklearn.py OUTDIR  -> OUTDIR/rf.pkl, OUTDIR/rf_body.json (one
held-out row as a dataframe_split request), OUTDIR/rf_rows.json (64
held-out rows) and OUTDIR/rf_expected.json (model.predict on those rows).
"""
import json
import os
import pickle
import sys

import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

out = sys.argv[1]
names = [f"f{i}" for i in range(20)]
x, y = make_classification(n_samples=20000, n_features=20, n_informative=12, random_state=7)
x = x.round(6)
train, held = x[:-64], x[-64:]
rf = RandomForestClassifier(n_estimators=200, max_depth=10, random_state=0, n_jobs=-1)
rf.fit(pd.DataFrame(train, columns=names), y[:-64])
rf.set_params(n_jobs=None)  # serving scores a few rows at a time
with open(os.path.join(out, "rf.pkl"), "wb") as f:
    pickle.dump(rf, f, protocol=4)
with open(os.path.join(out, "rf_body.json"), "w") as f:
    json.dump({"dataframe_split": {"columns": names, "data": [held[0].tolist()]}}, f)
with open(os.path.join(out, "rf_rows.json"), "w") as f:
    json.dump({"columns": names, "rows": held.tolist()}, f)
with open(os.path.join(out, "rf_expected.json"), "w") as f:
    json.dump(rf.predict(pd.DataFrame(held, columns=names)).tolist(), f)
