"""A minimal scoring server for a pickled scikit-learn model, speaking the
part of the MLflow scoring protocol the deployer's tests use.

Usage: /usr/bin/python3 serve_sklearn.py --model PATH --port N [--mode MODE]

Modes that misbehave on purpose: crash-after-1 (exits 0.1 s after answering a
prediction), no-ping (listens but /ping never answers 200), wrong-shape
(answers one prediction fewer than rows), exit (exits at once).
"""
import argparse
import json
import os
import pickle
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--model", required=True)
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--mode", default="ok")
args = ap.parse_args()
if args.mode == "exit":
    print("exiting on purpose", flush=True)
    sys.exit(3)
with open(args.model, "rb") as f:
    model = pickle.load(f)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path in ("/ping", "/health"):
            if args.mode == "no-ping":
                self.answer(503, {"error_code": "NOT_READY", "message": "never ready"})
                return
            self.answer(200, {})
        elif self.path == "/version":
            self.answer(200, "sklearn")
        else:
            self.answer(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": self.path})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(n))
        rows = req["dataframe_split"]["data"]
        preds = [int(p) for p in model.predict(rows)]
        if args.mode == "wrong-shape":
            preds = preds[1:]
        self.answer(200, {"predictions": preds})
        if args.mode == "crash-after-1":
            threading.Timer(0.1, os._exit, [1]).start()


ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
