"""The Python peer of the serving benchmark: the scoring protocol for
dataframe_split, as `mlflow models serve` runs it (Flask on gunicorn, one
sync worker), for the XGBoost model or the pickled scikit-learn model
(a name ending in .pkl, answered with its predict(), as MLflow's sklearn
flavor does) at $MODEL_PATH.

Run: OMP_NUM_THREADS=1 MODEL_PATH=model.json gunicorn -w 1 -b 127.0.0.1:PORT flask_app:app
"""
import json
import os
import pickle

import flask
import pandas as pd

path = os.environ["MODEL_PATH"]
if path.endswith(".pkl"):
    with open(path, "rb") as f:
        model = pickle.load(f)
    columns = list(model.feature_names_in_)

    def predict(df):
        return model.predict(df[columns])
else:
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(path)

    def predict(df):
        return booster.predict(xgb.DMatrix(df[booster.feature_names]))

app = flask.Flask(__name__)


@app.route("/ping", methods=["GET"])
@app.route("/health", methods=["GET"])
def ping():
    return flask.Response(response="\n", status=200, mimetype="application/json")


@app.route("/invocations", methods=["POST"])
def invocations():
    if flask.request.content_type.split(";")[0].strip() != "application/json":
        return flask.Response(response="unsupported content type", status=415, mimetype="text/plain")
    body = json.loads(flask.request.get_data(as_text=True))
    split = body["dataframe_split"]
    df = pd.DataFrame(split["data"], columns=split.get("columns"))
    pred = predict(df)
    return flask.Response(response=json.dumps({"predictions": pred.tolist()}), status=200,
                          mimetype="application/json")
