"""A scoring-server stand-in for the command package's tests (stdlib only).

Usage: python3 ping_server.py --port N --dir DIR [--crash-loop-after K] [--child]

Appends its start time to DIR/starts and its pid to DIR/pids; answers GET
/ping with 200 and POST /invocations with {"predictions": [1]}. With
--crash-loop-after K, a start after the K-th exits at once with status 1.
With --child it starts a `sleep 300` child first and writes its pid to
DIR/child.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--dir", required=True)
ap.add_argument("--crash-loop-after", type=int, default=0)
ap.add_argument("--child", action="store_true")
args = ap.parse_args()
with open(os.path.join(args.dir, "starts"), "a") as f:
    f.write("%f\n" % time.time())
with open(os.path.join(args.dir, "pids"), "a") as f:
    f.write("%d\n" % os.getpid())
with open(os.path.join(args.dir, "starts")) as f:
    starts = len(f.readlines())
if args.crash_loop_after and starts > args.crash_loop_after:
    print("crash loop: start %d" % starts, flush=True)
    sys.exit(1)
if args.child:
    child = subprocess.Popen(["sleep", "300"])
    with open(os.path.join(args.dir, "child"), "w") as f:
        f.write("%d\n" % child.pid)


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
        self.answer(200 if self.path == "/ping" else 404, {})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.answer(200, {"predictions": [1]})


ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
