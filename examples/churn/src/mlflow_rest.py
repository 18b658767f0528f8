"""The part of MLflow's Python API that train_lr.py uses, as the MLflow 2.8.1
client sends it over HTTP: the same REST calls, in the same order, with the
same bodies (both run_id and run_uuid, GET fields in the query string,
artifacts PUT through the mlflow-artifacts proxy).

It exists because the mlflow package cannot be installed here. With mlflow
installed, train_lr.py runs unchanged after replacing
`import mlflow_rest as mlflow` with `import mlflow` (and
`from mlflow_rest import MlflowClient` with `from mlflow import MlflowClient`):
mlcd serves the API at $MLFLOW_TRACKING_URI either way.
"""

import contextlib
import datetime
import getpass
import json
import os
import pickle
import platform
import sys
import tempfile
import time
import urllib.parse
import uuid

import requests

_session = requests.Session()
_session.headers["User-Agent"] = "mlflow-python-client/2.8.1"
_state = {"experiment_id": None, "run": None, "artifact_uri": None}


class MlflowException(Exception):
    def __init__(self, status, body):
        self.error_code = body.get("error_code", "") if isinstance(body, dict) else ""
        super().__init__("%s (%d): %s" % (self.error_code, status, body.get("message", body) if isinstance(body, dict) else body))


def _uri():
    return os.environ["MLFLOW_TRACKING_URI"].rstrip("/")


def _call(method, endpoint, body):
    url = _uri() + "/api/2.0/mlflow/" + endpoint
    if method == "GET":
        resp = _session.get(url, params=body)
    else:
        resp = _session.request(method, url, json=body)
    data = resp.json()
    if resp.status_code != 200:
        raise MlflowException(resp.status_code, data)
    return data


def _now():
    return int(time.time() * 1000)


def set_experiment(name):
    try:
        exp = _call("GET", "experiments/get-by-name", {"experiment_name": name})["experiment"]
    except MlflowException as e:
        if e.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        eid = _call("POST", "experiments/create", {"name": name})["experiment_id"]
        exp = _call("GET", "experiments/get", {"experiment_id": eid})["experiment"]
    _state["experiment_id"] = exp["experiment_id"]
    return exp


class _Info:
    def __init__(self, info):
        self.run_id = info["run_id"]
        self.artifact_uri = info["artifact_uri"]


class ActiveRun:
    def __init__(self, run):
        self.info = _Info(run["info"])


@contextlib.contextmanager
def start_run(run_name=None):
    tags = [{"key": "mlflow.user", "value": getpass.getuser()},
            {"key": "mlflow.source.name", "value": os.path.basename(sys.argv[0])},
            {"key": "mlflow.source.type", "value": "LOCAL"}]
    body = {"experiment_id": _state["experiment_id"] or "0", "user_id": getpass.getuser(), "start_time": _now(), "tags": tags}
    if run_name:
        body["run_name"] = run_name
        tags.append({"key": "mlflow.runName", "value": run_name})
    run = ActiveRun(_call("POST", "runs/create", body)["run"])
    _state["run"] = run.info.run_id
    status = "FAILED"
    try:
        yield run
        status = "FINISHED"
    finally:
        end_run(status)


def _ids():
    return {"run_uuid": _state["run"], "run_id": _state["run"]}


def end_run(status="FINISHED"):
    if _state["run"]:
        _call("POST", "runs/update", dict(_ids(), status=status, end_time=_now()))
        _state["run"] = _state["artifact_uri"] = None


def log_param(key, value):
    _call("POST", "runs/log-parameter", dict(_ids(), key=key, value=str(value)))


def log_params(params):
    for k, v in params.items():
        log_param(k, v)


def log_metric(key, value, step=None):
    _call("POST", "runs/log-metric", dict(_ids(), key=key, value=float(value), timestamp=_now(), step=step or 0))


def log_metrics(metrics, step=None):
    for k, v in metrics.items():
        log_metric(k, v, step)


def _artifact_base():
    """The run's artifact_uri (runs/get, once per run), resolved as the client resolves mlflow-artifacts:/ URIs."""
    if _state["artifact_uri"] is None:
        run = _call("GET", "runs/get", _ids())["run"]
        _state["artifact_uri"] = run["info"]["artifact_uri"]
    uri = _state["artifact_uri"]
    assert uri.startswith("mlflow-artifacts:/"), uri
    return _uri() + "/api/2.0/mlflow-artifacts/artifacts/" + uri[len("mlflow-artifacts:/"):]


def _put(local_path, artifact_path):
    url = _artifact_base() + "/" + urllib.parse.quote(artifact_path)
    text = local_path.endswith((".txt", ".yaml", ".json", ".csv")) or os.path.basename(local_path) == "MLmodel"
    with open(local_path, "rb") as f:
        resp = _session.put(url, data=f, headers={"Content-Type": "text/plain" if text else "application/octet-stream"})
    if resp.status_code != 200:
        raise MlflowException(resp.status_code, resp.json())


def log_artifact(local_path, artifact_path=None):
    name = os.path.basename(local_path)
    _put(local_path, artifact_path + "/" + name if artifact_path else name)


class _SKLearn:
    """mlflow.sklearn.log_model: an MLflow model folder (MLmodel, model.pkl,
    conda.yaml, python_env.yaml, requirements.txt) logged as artifacts."""

    @staticmethod
    def log_model(sk_model, artifact_path):
        import sklearn

        run_id = _state["run"]
        mlmodel = {
            "artifact_path": artifact_path,
            "flavors": {
                "python_function": {"env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                                    "loader_module": "mlflow.sklearn", "model_path": "model.pkl",
                                    "predict_fn": "predict", "python_version": platform.python_version()},
                "sklearn": {"code": None, "pickled_model": "model.pkl", "serialization_format": "pickle",
                            "sklearn_version": sklearn.__version__},
            },
            "mlflow_version": "2.8.1",
            "model_uuid": uuid.uuid4().hex,
            "run_id": run_id,
            "utc_time_created": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"),
        }
        with tempfile.TemporaryDirectory() as d:
            files = {
                "MLmodel": _yaml(mlmodel),
                "conda.yaml": "channels:\n- conda-forge\ndependencies:\n- python=%s\n- pip\n- pip:\n  - mlflow==2.8.1\n  - scikit-learn==%s\nname: mlflow-env\n"
                % (platform.python_version(), sklearn.__version__),
                "python_env.yaml": "python: %s\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n" % platform.python_version(),
                "requirements.txt": "mlflow==2.8.1\nscikit-learn==%s\n" % sklearn.__version__,
            }
            for name in ("requirements.txt", "MLmodel", "python_env.yaml", "conda.yaml"):
                with open(os.path.join(d, name), "w") as f:
                    f.write(files[name])
            with open(os.path.join(d, "model.pkl"), "wb") as f:
                pickle.dump(sk_model, f, protocol=4)
            for name in ("requirements.txt", "MLmodel", "python_env.yaml", "conda.yaml", "model.pkl"):
                _put(os.path.join(d, name), artifact_path + "/" + name)
        _call("POST", "runs/log-model", {"run_id": run_id, "model_json": json.dumps(mlmodel)})


sklearn = _SKLearn()


def _yaml(obj, indent=0):
    """A small YAML writer for MLmodel's nested mappings of scalars."""
    out = []
    for k in sorted(obj):
        v = obj[k]
        pad = "  " * indent
        if isinstance(v, dict):
            out.append("%s%s:\n%s" % (pad, k, _yaml(v, indent + 1)))
        elif v is None:
            out.append("%s%s: null\n" % (pad, k))
        else:
            out.append("%s%s: %s\n" % (pad, k, json.dumps(v) if isinstance(v, str) else v))
    return "".join(out)


class ModelVersion:
    def __init__(self, mv):
        self.name, self.version, self.current_stage = mv["name"], mv["version"], mv["current_stage"]
        self.status_message = mv.get("status_message", "")


def register_model(model_uri, name):
    try:
        _call("POST", "registered-models/create", {"name": name})
    except MlflowException as e:
        if e.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
        print("Registered model '%s' already exists. Creating a new version of this model..." % name)
    run_id, path = model_uri[len("runs:/"):].split("/", 1)
    run = _call("GET", "runs/get", {"run_uuid": run_id, "run_id": run_id})["run"]
    source = run["info"]["artifact_uri"] + "/" + path
    mv = _call("POST", "model-versions/create", {"name": name, "source": source, "run_id": run_id})["model_version"]
    print("Created version '%s' of model '%s'." % (mv["version"], name))
    return ModelVersion(mv)


class MlflowClient:
    def get_latest_versions(self, name, stages=None):
        body = _call("POST", "registered-models/get-latest-versions", {"name": name, "stages": stages or []})
        return [ModelVersion(mv) for mv in body.get("model_versions", [])]

    def transition_model_version_stage(self, name, version, stage, archive_existing_versions=False):
        body = _call("POST", "model-versions/transition-stage",
                     {"name": name, "version": str(version), "stage": stage, "archive_existing_versions": archive_existing_versions})
        return ModelVersion(body["model_version"])
