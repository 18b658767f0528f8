"""serve: answer predictions of model.json with the `mlflow models serve` protocol.

    python3 src/serve.py --model model.json --port 5001

mlcd starts it for the `command` flavor with {model} and {port} filled in.
GET /ping, /health and /version; POST /invocations with a JSON body holding
dataframe_split, dataframe_records or instances. Listens on 127.0.0.1 only.
Only the standard library is used.
"""

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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


def make_handler(model, version):
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
                self.reply(200, version, "text/plain")
            else:
                self.reply(404, json.dumps({"error_code": "NOT_FOUND", "message": self.path}))

        def do_POST(self):
            if self.path != "/invocations":
                self.reply(404, json.dumps({"error_code": "NOT_FOUND", "message": self.path}))
                return
            try:
                doc = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                rows = rows_of(doc, features)
                missing = sorted({f for r in rows for f in features if f not in r})
                if missing:
                    raise ValueError("Model is missing inputs %s." % missing)
                preds = [sum(w * float(r[f]) for w, f in zip(model["weights"], features)) + model["intercept"]
                         for r in rows]
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                self.reply(400, json.dumps({"error_code": "BAD_REQUEST", "message": str(e)}))
                return
            self.reply(200, json.dumps({"predictions": preds}))

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--version", default="example-linear")
    args = ap.parse_args()
    with open(args.model) as f:
        model = json.load(f)
    ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(model, args.version)).serve_forever()


if __name__ == "__main__":
    main()
