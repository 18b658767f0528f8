"""serve: answer predictions of model.json with the `mlflow models serve` protocol.

    python3 src/serve.py --model model.json --port 5001

mlcd starts it for the `command` flavor with {model} and {port} filled in.
GET /ping and /health; GET /version answers this server's version (as
mlflow's answers MLflow's). POST /invocations takes application/json
(dataframe_split, dataframe_records or instances) or text/csv (a header line
of column names, then rows); other content types get 415. Listens on
127.0.0.1 only. Only the standard library is used.
"""

import argparse
import csv
import io
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVER_VERSION = "1.0"


def rows_of(doc, features):
    if "dataframe_split" in doc:
        split = doc["dataframe_split"]
        cols = split.get("columns", features)
        return [dict(zip(cols, row)) for row in split["data"]]
    if "dataframe_records" in doc:
        return doc["dataframe_records"]
    if "instances" in doc:
        return [r if isinstance(r, dict) else dict(zip(features, r)) for r in doc["instances"]]
    raise ValueError("the body needs dataframe_split, dataframe_records or instances")


def read_rows(content_type, body, features):
    """The rows of a request body, by its content type; None for a type not taken."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype == "text/csv":
        return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    if ctype == "application/json":
        return rows_of(json.loads(body), features)
    return None


def make_handler(model):
    features = model["features"]

    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body, ctype="application/json"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path in ("/ping", "/health"):
                self.reply(200, "\n")
            elif self.path == "/version":
                self.reply(200, SERVER_VERSION, "text/plain")
            else:
                self.reply(404, json.dumps({"error_code": "NOT_FOUND", "message": self.path}))

        def do_POST(self):
            if self.path != "/invocations":
                self.reply(404, json.dumps({"error_code": "NOT_FOUND", "message": self.path}))
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                rows = read_rows(self.headers.get("Content-Type"), body, features)
                if rows is None:
                    self.reply(415, json.dumps({"error_code": "BAD_REQUEST", "message":
                                                "Content type must be one of text/csv, application/json; got %r."
                                                % self.headers.get("Content-Type")}))
                    return
                missing = sorted({f for r in rows for f in features if f not in r})
                if missing:
                    raise ValueError("Model is missing inputs %s." % missing)
                preds = [sum(w * float(r[f]) for w, f in zip(model["weights"], features)) + model["intercept"]
                         for r in rows]
            except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError, csv.Error) as e:
                self.reply(400, json.dumps({"error_code": "BAD_REQUEST", "message": str(e)}))
                return
            self.reply(200, json.dumps({"predictions": preds}))

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    with open(args.model) as f:
        model = json.load(f)
    ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(model)).serve_forever()


if __name__ == "__main__":
    main()
