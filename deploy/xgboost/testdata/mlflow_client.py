"""Score a served model the way MLflow users' Python clients do, and check
the answers against XGBoost's own predict.

Usage: mlflow_client.py URL MODEL_FILE

Sends the same frame (with missing values) as dataframe_split from
DataFrame.to_dict(orient="split") through json.dumps (which writes NaN),
as dataframe_records, as inputs, and as CSV from DataFrame.to_csv() (with
its index column); prints "ok" or exits non-zero with the difference.
"""
import json
import sys
import urllib.request

import numpy as np
import pandas as pd
import xgboost as xgb

url, model = sys.argv[1], sys.argv[2]
booster = xgb.Booster()
booster.load_model(model)
names = booster.feature_names
rng = np.random.default_rng(5)
x = rng.normal(size=(50, len(names)))
x[rng.random(x.shape) < 0.2] = np.nan
df = pd.DataFrame(x, columns=names)
want = booster.predict(xgb.DMatrix(df))
# Clients send columns in any order; the server orders them by name.
shuffled = df[list(reversed(names))]


def post(body, content_type):
    req = urllib.request.Request(url + "/invocations", data=body.encode(), method="POST",
                                 headers={"Content-Type": content_type})
    with urllib.request.urlopen(req) as resp:
        return np.array(json.loads(resp.read())["predictions"], dtype=np.float64)


bodies = {
    "dataframe_split": (json.dumps({"dataframe_split": shuffled.to_dict(orient="split")}), "application/json"),
    "dataframe_records": (json.dumps({"dataframe_records": shuffled.to_dict(orient="records")}), "application/json"),
    "inputs": (json.dumps({"inputs": shuffled.to_dict(orient="list")}), "application/json; charset=utf-8"),
    "csv": (shuffled.to_csv(), "text/csv"),
}
for name, (body, ct) in bodies.items():
    got = post(body, ct)
    if got.shape != want.shape or not np.allclose(got, want, rtol=0, atol=1e-6):
        print(f"{name}: got {got[:3]}, want {want[:3]}", file=sys.stderr)
        sys.exit(1)
print("ok")
