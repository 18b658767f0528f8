"""serve: the scoring server of the churn-rf model (mlcd's `command` flavor).

    python3 src/serve.py --model PATH --port N [--version TEXT]

Loads the pickled scikit-learn classifier that train_rf wrote and answers
the scoring protocol of `mlflow models serve` (docs/scoring-protocol.md in
mlcd) on 127.0.0.1:N only:

  GET  /ping, /health   200 and a newline
  GET  /version         the --version text
  POST /invocations     {"predictions": [label, ...]} for a JSON body with
                        dataframe_split, dataframe_records, instances or
                        inputs, or a text/csv body with a header line

Columns are matched by name to the feature names the model was fitted with.
Errors are JSON {"error_code": ..., "message": ...}, except 415 (plain text,
as MLflow). Only the standard library, numpy, pandas and scikit-learn are
used; there is no Flask to install.
"""

import argparse
import csv
import io
import json
import math
import pickle
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd

MAX_BODY = 32 << 20
KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")
CSV_MISSING = {"", "NA", "NaN", "nan", "null"}


class RequestError(Exception):
    def __init__(self, message, status=400, code="BAD_REQUEST"):
        super().__init__(message)
        self.status, self.code = status, code


def number(v):
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise RequestError("Value %s is not a number or null." % json.dumps(v))
    return float(v)


def rows_frame(rows, columns, names):
    """A DataFrame of rows (lists) with columns, or in the model's order when columns is None."""
    if not isinstance(rows, list) or not rows:
        raise RequestError("The input has no rows.")
    cols = names if columns is None else columns
    if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
        raise RequestError("columns must be a list of strings.")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(cols):
            raise RequestError("Row %d has %s values, expected %d." % (i, len(row) if isinstance(row, list) else "no", len(cols)))
        out.append([number(v) for v in row])
    return pd.DataFrame(out, columns=cols)


def records_frame(records):
    if not isinstance(records, list) or not records:
        raise RequestError("The input has no rows.")
    if not all(isinstance(r, dict) for r in records):
        raise RequestError("Every record must be an object.")
    return pd.DataFrame([{k: number(v) for k, v in r.items()} for r in records])


def json_frame(body, names):
    try:
        doc = json.loads(body)
    except ValueError as e:
        raise RequestError("Malformed JSON: %s" % e)
    if not isinstance(doc, dict):
        raise RequestError("The body must be a JSON object with one of %s." % ", ".join(KEYS))
    found = [k for k in KEYS if k in doc]
    extra = [k for k in doc if k not in KEYS and k != "params"]
    if len(found) != 1 or extra:
        raise RequestError("The body must have exactly one of %s (and optionally params)." % ", ".join(KEYS))
    if "params" in doc and not isinstance(doc["params"], dict):
        raise RequestError("params must be an object.")
    key, val = found[0], doc[found[0]]
    if key == "dataframe_split":
        if not isinstance(val, dict):
            raise RequestError("dataframe_split must be an object with columns and data.")
        return rows_frame(val.get("data"), val.get("columns"), names)
    if key == "dataframe_records":
        return records_frame(val)
    if key == "inputs" and isinstance(val, dict):
        if not all(isinstance(v, list) for v in val.values()):
            raise RequestError("inputs must map each column to a list of values.")
        lengths = {len(v) for v in val.values()}
        if len(lengths) != 1 or 0 in lengths:
            raise RequestError("Every column of inputs must have the same, non-zero number of values.")
        return pd.DataFrame({k: [number(x) for x in v] for k, v in val.items()})
    if isinstance(val, list) and val and all(isinstance(r, dict) for r in val):
        return records_frame(val)
    return rows_frame(val, None, names)


def csv_frame(body):
    try:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    except (UnicodeDecodeError, csv.Error) as e:
        raise RequestError("Malformed CSV: %s" % e)
    rows = [r for r in rows if r]
    if len(rows) < 2:
        raise RequestError("The CSV body needs a header line and at least one row.")
    header, data = rows[0], rows[1:]
    values = []
    for i, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise RequestError("CSV line %d has %d fields, the header %d." % (i, len(row), len(header)))
        try:
            values.append([math.nan if v.strip() in CSV_MISSING else float(v) for v in row])
        except ValueError as e:
            raise RequestError("CSV line %d: %s" % (i, e))
    return pd.DataFrame(values, columns=header)


def content_type(header):
    """Return "json" or "csv", or raise a 415 for anything else."""
    parts = [p.strip() for p in (header or "").split(";")]
    kind = {"application/json": "json", "text/csv": "csv"}.get(parts[0].lower())
    ok_params = all(p.lower().replace(" ", "") in ("charset=utf-8", "charset=\"utf-8\"") for p in parts[1:] if p)
    if kind is None or not ok_params:
        raise RequestError(
            "This predictor only supports the following content types: Types: ['text/csv', 'application/json']."
            " Got '%s'." % (header or ""), 415, None)
    return kind


class Scorer:
    def __init__(self, model, version):
        self.model, self.version = model, version
        self.names = [str(n) for n in getattr(model, "feature_names_in_", [])]
        if not self.names:
            sys.exit("serve: the model has no feature names (fit it on a DataFrame)")

    def predict(self, ctype, body):
        frame = json_frame(body, self.names) if content_type(ctype) == "json" else csv_frame(body)
        missing = [n for n in self.names if n not in frame.columns]
        if missing:
            raise RequestError("Model is missing inputs %s." % missing)
        X = frame[self.names].astype(float)
        if X.isna().to_numpy().any():
            raise RequestError("Missing values are not supported by this model: send imputed values.")
        return [int(v) if float(v).is_integer() else float(v) for v in np.asarray(self.model.predict(X))]


def handler(scorer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # one line per request on stderr
            sys.stderr.write("serve: %s\n" % (fmt % args))

        def reply(self, status, body, ctype="application/json"):
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def error(self, e):
            if e.code is None:
                self.reply(e.status, str(e), "text/plain; charset=utf-8")
            else:
                self.reply(e.status, json.dumps({"error_code": e.code, "message": str(e)}))

        def do_GET(self):
            if self.path in ("/ping", "/health"):
                self.reply(200, "\n")
            elif self.path == "/version":
                self.reply(200, scorer.version, "text/plain; charset=utf-8")
            elif self.path == "/invocations":
                self.error(RequestError("Method not allowed.", 405, "BAD_REQUEST"))
            else:
                self.error(RequestError("Not found: %s" % self.path, 404, "NOT_FOUND"))

        def do_POST(self):
            if self.path != "/invocations":
                status = 405 if self.path in ("/ping", "/health", "/version") else 404
                self.error(RequestError("No POST on %s." % self.path, status, "BAD_REQUEST" if status == 405 else "NOT_FOUND"))
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                self.error(RequestError("The body is over %d bytes." % MAX_BODY, 413, "REQUEST_LIMIT_EXCEEDED"))
                return
            body = self.rfile.read(length)
            try:
                preds = scorer.predict(self.headers.get("Content-Type"), body)
            except RequestError as e:
                self.error(e)
                return
            except Exception as e:  # a fault of the model, not of the request
                self.error(RequestError("%s: %s" % (type(e).__name__, e), 500, "INTERNAL_ERROR"))
                return
            self.reply(200, json.dumps({"predictions": preds}))

    return Handler


def main(argv):
    ap = argparse.ArgumentParser(description="Serve the churn random forest with the mlflow scoring protocol.")
    ap.add_argument("--model", required=True, help="the model.pkl that train_rf wrote")
    ap.add_argument("--port", type=int, required=True, help="port to listen on, on 127.0.0.1")
    ap.add_argument("--version", default=None, help="what GET /version answers")
    args = ap.parse_args(argv)
    with open(args.model, "rb") as f:
        model = pickle.load(f)
    import sklearn

    scorer = Scorer(model, args.version or "churn-rf sklearn-%s" % sklearn.__version__)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(scorer))
    print("serve: %s on http://127.0.0.1:%d" % (args.model, server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
