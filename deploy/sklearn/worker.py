"""mlcd's scikit-learn worker: loads one model and answers predict calls on
binary batches over its stdin and stdout. mlcd starts it, embedded in its
own binary, as `python3 -c <this file> MODEL METHOD`; it is not a server.

Every message, both ways, is a 4-byte little-endian length, then that many
bytes.
  mlcd -> worker: b"MLCB", rows u32, cols u32, rows*cols float64 (row-major);
                  NaN is a missing value.
  worker -> mlcd: first a hello, a JSON object (features, names, outputs,
                  labels, method, or error); then one answer per batch:
                  b"\x00", rows u32, width u32, rows*width float64, or
                  b"\x01" and a UTF-8 error message.
Labels that are not numbers are answered as their index in hello.labels.
"""
import json
import os
import pickle
import struct
import sys
import traceback

# One thread per worker: mlcd runs several workers and batches requests.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HEADER = struct.Struct("<4sII")
ANSWER = struct.Struct("<cII")
LENGTH = struct.Struct("<I")


def load(path):
    """Reads a pickle, joblib or cloudpickle file (joblib reads all three)."""
    try:
        import joblib
    except ImportError:
        with open(path, "rb") as f:
            return pickle.load(f)
    return joblib.load(path)


def single_threaded(model):
    """Sets every n_jobs parameter to 1: parallelism comes from workers."""
    try:
        params = model.get_params(deep=True)
    except Exception:
        return
    jobs = {k: 1 for k in params if k == "n_jobs" or k.endswith("__n_jobs")}
    if jobs:
        try:
            model.set_params(**jobs)
        except Exception:
            pass


def labels_of(model):
    classes = getattr(model, "classes_", None)
    if classes is None:
        return None
    classes = np.asarray(classes)
    if classes.dtype.kind in "biuf":
        return None
    return [str(c) for c in classes.tolist()]


def hello(model, method):
    names = getattr(model, "feature_names_in_", None)
    names = [str(n) for n in names] if names is not None else None
    features = getattr(model, "n_features_in_", None)
    if not hasattr(model, method):
        raise ValueError("the model (%s) has no %s method" % (type(model).__name__, method))
    outputs = None
    if method == "predict_proba":
        classes = getattr(model, "classes_", None)
        if classes is not None:
            outputs = [str(c) for c in np.asarray(classes).tolist()]
    return {
        "features": int(features) if features is not None else None,
        "names": names,
        "outputs": outputs,
        "labels": labels_of(model) if method == "predict" else None,
        "method": method,
        "model": type(model).__name__,
    }


def send(out, payload):
    out.write(LENGTH.pack(len(payload)))
    out.write(payload)
    out.flush()


def read_exact(inp, n):
    buf = inp.read(n)
    if buf is None or len(buf) != n:
        return None
    return buf


def predict(model, method, names, labels, x):
    if names is not None:
        import pandas as pd
        x = pd.DataFrame(x, columns=names, copy=False)
    y = np.asarray(getattr(model, method)(x))
    if labels is not None:
        index = {c: i for i, c in enumerate(labels)}
        y = np.array([index[str(v)] for v in y.ravel()], dtype=np.float64)
    y = y.astype(np.float64, copy=False)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    elif y.ndim > 2:
        y = y.reshape(y.shape[0], -1)
    return np.ascontiguousarray(y)


def serve(model, method, names, labels, inp, out):
    while True:
        raw = read_exact(inp, LENGTH.size)
        if raw is None:
            return
        (size,) = LENGTH.unpack(raw)
        msg = read_exact(inp, size)
        if msg is None:
            return
        magic, rows, cols = HEADER.unpack_from(msg)
        if magic != b"MLCB" or size != HEADER.size + rows * cols * 8:
            send(out, b"\x01" + b"malformed batch")
            continue
        # A writable copy: some estimators transform their input in place.
        x = np.frombuffer(msg, dtype="<f8", count=rows * cols, offset=HEADER.size).reshape(rows, cols).copy()
        try:
            y = predict(model, method, names, labels, x)
        except Exception as e:  # the model refused the input
            send(out, b"\x01" + ("%s: %s" % (type(e).__name__, e)).encode("utf-8", "replace"))
            continue
        send(out, ANSWER.pack(b"\x00", y.shape[0], y.shape[1]) + y.astype("<f8", copy=False).tobytes())


def main():
    path, method = sys.argv[1], sys.argv[2]
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a model that prints must not corrupt the pipe
    try:
        model = load(path)
        single_threaded(model)
        info = hello(model, method)
    except Exception as e:
        traceback.print_exc()
        send(out, json.dumps({"error": "load %s: %s: %s" % (path, type(e).__name__, e)}).encode())
        return 3
    send(out, json.dumps(info).encode())
    serve(model, method, info["names"], info["labels"], inp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
