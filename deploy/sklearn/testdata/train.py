"""Train the models the sklearn flavor's tests serve.

Usage: python3 train.py OUT_DIR

Writes, in OUT_DIR:
  rf_frame.pkl    a RandomForestClassifier fitted on a DataFrame (names
                  a..e), pickled; expected.json holds its predict and
                  predict_proba on rows.json
  ridge.joblib    a Ridge regressor fitted on an array of 5 features, joblib
  labels.pkl      a classifier with string labels ("churn", "stay")
  recording.pkl, crashy.pkl, picky.pkl  the forest wrapped by testmodels
  rows.json       40 rows of 5 features (some NaN-free random values)
"""
import json
import os
import pickle
import sys

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge

import testmodels

out = sys.argv[1]
names = ["a", "b", "c", "d", "e"]
rng = np.random.default_rng(3)
x = rng.normal(size=(300, 5))
y = (x[:, 0] - x[:, 1] + 0.5 * x[:, 2] > 0).astype(int)
frame = pd.DataFrame(x, columns=names)
rf = RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0, n_jobs=2).fit(frame, y)
with open(os.path.join(out, "rf_frame.pkl"), "wb") as f:
    pickle.dump(rf, f)
ridge = Ridge().fit(x, x @ np.arange(1, 6))
joblib.dump(ridge, os.path.join(out, "ridge.joblib"))
labels = LogisticRegression().fit(x, np.where(y == 1, "churn", "stay"))
with open(os.path.join(out, "labels.pkl"), "wb") as f:
    pickle.dump(labels, f)
for name, cls in (("recording", testmodels.Recording), ("crashy", testmodels.Crashy), ("picky", testmodels.Picky)):
    with open(os.path.join(out, name + ".pkl"), "wb") as f:
        pickle.dump(cls(rf), f)

rows = rng.normal(size=(40, 5)).round(6)
rows_frame = pd.DataFrame(rows, columns=names)
with open(os.path.join(out, "rows.json"), "w") as f:
    json.dump(rows.tolist(), f)
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump({
        "predict": rf.predict(rows_frame).tolist(),
        "predict_proba": rf.predict_proba(rows_frame).tolist(),
        "classes": rf.classes_.tolist(),
        "ridge": ridge.predict(rows).tolist(),
        "labels": labels.predict(rows).tolist(),
    }, f)
