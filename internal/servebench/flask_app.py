"""The Python peer of the serving benchmark: the scoring protocol for
dataframe_split, as `mlflow models serve` runs it (Flask on gunicorn, one
sync worker), for the XGBoost model at $MODEL_PATH.

Run: OMP_NUM_THREADS=1 MODEL_PATH=model.json gunicorn -w 1 -b 127.0.0.1:PORT flask_app:app
"""
import json
import os

import flask
import pandas as pd
import xgboost as xgb

booster = xgb.Booster()
booster.load_model(os.environ["MODEL_PATH"])
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
    df = df[booster.feature_names]
    pred = booster.predict(xgb.DMatrix(df))
    return flask.Response(response=json.dumps({"predictions": pred.tolist()}), status=200,
                          mimetype="application/json")
