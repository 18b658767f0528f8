"""Write the small checked-in models the Python-free tests use.

Usage (from this folder): /usr/bin/python3 make_tiny.py

tiny.json / tiny.ubj / tiny.bin: multi:softprob, 3 classes, 3 features
named a, b, c, 2 rounds of depth-2 trees. tiny.cases.csv: input rows
(a,b,c; "nan" for missing) followed by XGBoost's 3 probabilities.
"""
import numpy as np
import xgboost as xgb
from sklearn.datasets import make_classification

x, y = make_classification(n_samples=300, n_features=3, n_informative=3, n_redundant=0, n_classes=3,
                           n_clusters_per_class=1, random_state=4)
x[::5, 1] = np.nan
d = xgb.DMatrix(x, label=y, feature_names=["a", "b", "c"])
b = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 2, "nthread": 1}, d, 2)
for ext in ("json", "ubj", "bin"):
    b.save_model("tiny." + ext)
rows = np.array([[0, 0, 0], [np.nan, np.nan, np.nan], [1.5, -2, 0.25], [-1, np.nan, 3], [2, 1, np.nan]] + x[:15].tolist())
p = b.predict(xgb.DMatrix(rows, feature_names=["a", "b", "c"]))
np.savetxt("tiny.cases.csv", np.hstack([rows, p.astype(np.float64)]), delimiter=",", fmt="%.17g")
