#!/usr/bin/env bash
# make demo: the CD4ML lifecycle of examples/churn, end to end, on this
# machine, with nothing but Go, git and Python's ML packages:
#
#   a bare git repository plays the remote; `mlcd watch` follows it; the first
#   run trains a random forest and an XGBoost model in parallel and registers
#   version 1 of each; the better one is promoted through a merged branch;
#   mlcd serves it on 127.0.0.1:1234 (the `mlflow models serve` protocol); a
#   pushed change to that model's trainer starts a second run, in which only
#   that trainer runs again (the other tasks are cache hits), and version 2;
#   train_lr, an MLflow script run unchanged, registers churn-lr, which
#   `mlcd serve` answers with.
#
# DEMO_DIR (default ./demo) holds everything; DEMO_KEEP=1 leaves the
# controller running at the end. DEMO_ENDPOINT (default 127.0.0.1:1234) and
# DEMO_CONTROL_PORT (default 8765) may ask for port 0, any free port: the
# demo then uses the ports mlcd says it got. A failed step stops the demo
# and names the log to read.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mlcd="${MLCD_BIN:-$root/bin/mlcd}"
demo="${DEMO_DIR:-$root/demo}"
rows="${DEMO_ROWS:-20000}"
endpoint="${DEMO_ENDPOINT:-127.0.0.1:1234}"
control="127.0.0.1:${DEMO_CONTROL_PORT:-8765}"
started=$(date +%s)

say()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { printf '\ndemo: FAILED: %s\n' "$*" >&2; [ -f "$demo/watch.log" ] && printf 'demo: the controller log is %s; its end:\n' "$demo/watch.log" >&2 && tail -n 25 "$demo/watch.log" >&2; exit 1; }
# wait_for SECONDS WHAT COMMAND...: poll COMMAND until it succeeds.
wait_for() {
	local limit=$1 what=$2; shift 2
	local until=$(( $(date +%s) + limit ))
	until "$@" >/dev/null 2>&1; do
		if [ -n "${watch_pid:-}" ] && ! kill -0 "$watch_pid" 2>/dev/null; then fail "the controller exited while waiting for $what"; fi
		[ "$(date +%s)" -lt "$until" ] || fail "no $what within ${limit}s"
		sleep 0.5
	done
}
git_() { git -c user.name="Dana Scientist" -c user.email=dana@example.com -c init.defaultBranch=main "$@"; }
# publish COMMAND...: in Dana's clone, on the remote's main, run COMMAND
# (which commits) and push. The controller pushes records at any time (a
# run on the pipeline's schedule too): when the remote refuses the push,
# Dana starts again from the remote's new main, as a person pulls and
# tries again.
publish() {
	local try
	for try in 1 2 3 4 5; do
		( cd "$demo/dana" && git_ fetch -q origin && git_ reset -q --hard origin/main && "$@" && git_ push -q origin main ) && return 0
		echo "  the remote moved meanwhile (try $try); again"
	done
	return 1
}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

[ -x "$mlcd" ] || fail "$mlcd is missing; run 'make build'"
python=$("$root/scripts/demo-python.sh") || fail "no Python with scikit-learn, XGBoost, pandas and matplotlib (see above)"

say "Setting up $demo"
if [ -f "$demo/watch.pid" ] && kill -0 "$(cat "$demo/watch.pid")" 2>/dev/null; then
	kill "$(cat "$demo/watch.pid")" 2>/dev/null || true; sleep 1
fi
rm -rf "$demo"; mkdir -p "$demo/bin"
ln -s "$python" "$demo/bin/python3"          # the tasks run `python3`: this one has the packages
export PATH="$demo/bin:$(dirname "$mlcd"):$PATH"
export DATABASE_URL="sqlite:///$demo/churn.db" MLCD_STORE="$demo/store"
# The controller answers POST /runs (a run of the head now) only with the
# webhook secret; the demo makes one up.
export MLCD_WEBHOOK_SECRET="${MLCD_WEBHOOK_SECRET:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
echo "python: $python; database: $demo/churn.db ($rows customers)"
python3 "$root/examples/churn/data/generate.py" "$demo/churn.db" --rows "$rows"

say "1. A bare repository as the remote, holding examples/churn"
git_ init -q --bare "$demo/remote.git"
git_ clone -q "$demo/remote.git" "$demo/dana" 2>/dev/null
cp -R "$root/examples/churn/." "$demo/dana/"
rm -f "$demo/dana/"*.go
( cd "$demo/dana" && git_ add -A && git_ commit -qm "The churn pipeline" && git_ push -q origin main )
git_ -C "$demo/remote.git" log --oneline main | sed 's/^/  /'

say "2. mlcd watch: poll every second, merge gate 'merge-commit', models on $endpoint"
mlcd watch --repo "$demo/remote.git" --state "$demo/state" --interval 1s --listen "$control" --jobs 2 --endpoint "$endpoint" \
	>"$demo/watch.log" 2>&1 &
watch_pid=$!
echo "$watch_pid" >"$demo/watch.pid"
stop_watch() { if [ -n "${watch_pid:-}" ] && [ -z "${DEMO_KEEP:-}" ]; then kill -TERM "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true; fi; }
trap stop_watch EXIT
echo "controller pid $watch_pid, log $demo/watch.log, state $demo/state"
# mlcd says where the model endpoint listens: the port it got for port 0.
said_endpoint="mlcd: model endpoint on http://"
wait_for 60 "the controller's model endpoint" grep -q "^$said_endpoint" "$demo/watch.log"
endpoint=$(sed -n "s|^$said_endpoint||p" "$demo/watch.log" | head -1)

remote_has() { git_ -C "$demo/remote.git" cat-file -e "main:$1" 2>/dev/null; }
say "3. The first run: load_data -> features -> train_rf || train_xgb"
wait_for 240 "version 1 of churn-rf and churn-xgb on the remote" \
	sh -c "git -C '$demo/remote.git' cat-file -e main:models/churn-rf/v1.yaml && git -C '$demo/remote.git' cat-file -e main:models/churn-xgb/v1.yaml"
wait_for 60 "the report" test -f "$demo/state/site/index.html"
git_ -C "$demo/remote.git" log --oneline main | sed 's/^/  /'
metric() { git_ -C "$demo/remote.git" show "main:models/$1/v$2.yaml" | sed -n "s/^ *$3: //p" | head -1; }
rf=$(metric churn-rf 1 f1); xgb=$(metric churn-xgb 1 f1)
echo "  f1: churn-rf v1 $rf, churn-xgb v1 $xgb"
best=$(python3 -c "print('churn-xgb' if float('$xgb') >= float('$rf') else 'churn-rf')")
other=$([ "$best" = churn-xgb ] && echo churn-rf || echo churn-xgb)

say "4. Promote $best v1: a branch that changes one line, merged as a reviewer would"
mlcd promote "$best" 1 --repo "$demo/remote.git" | sed 's/^/  /' || fail "mlcd promote"
( cd "$demo/dana" && git_ fetch -q origin \
	&& git_ diff --stat "origin/main" "origin/mlcd/promote-$best-v1" | sed 's/^/  /' ) || fail "reading the promotion"
publish git_ merge -q --no-ff -m "Promote $best v1 to Production (reviewed)" "origin/mlcd/promote-$best-v1" \
	|| fail "merging the promotion"
wait_for 120 "the deployment of $best v1" sh -c "git -C '$demo/remote.git' show main:deployments/$best.yaml | grep -q 'version: 1'"
wait_for 30 "the model endpoint" curl -sf "http://$endpoint/ping"
echo "  $best v1 serves on http://$endpoint; the deploy is recorded in deployments/$best.yaml"

say "5. A prediction from http://$endpoint/invocations"
# The request is the input example the trainer saved: a few test customers'
# features, in the scoring protocol's dataframe_split form.
example=$(find "$demo/store/sha256" -type f -size -20k -exec grep -l '"dataframe_split"' {} + 2>/dev/null | head -1 || true)
[ -n "$example" ] || fail "no input example of $best in the store"
request=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["dataframe_split"]["data"] = d["dataframe_split"]["data"][:3]; print(json.dumps(d))' "$example")
answer=$(curl -sS -H 'Content-Type: application/json' --data "$request" "http://$endpoint/invocations") || fail "the prediction request"
python3 - "$best" "$answer" <<'PY' || fail "the endpoint answered without predictions: $answer"
import json, sys
model, answer = sys.argv[1], json.loads(sys.argv[2])
preds = answer["predictions"]
print(f"  {len(preds)} test customers sent to {model} v1 (Production); it answers:")
for i, p in enumerate(preds, 1):
    if float(p) in (0.0, 1.0) and not isinstance(p, float):
        what = "will churn" if p == 1 else "will stay"
    else:
        what = f"churn probability {float(p):.2f}"
    print(f"    customer {i}: {what}")
PY

trainer=src/train_${best#churn-}.py
say "6. Dana tunes $best's trainer ($trainer) and pushes: only that model is retrained"
# tune FILE: deeper trees and one more hyperparameter for the trainer in
# FILE. The trainer reports its hyperparameters (params.json), so the
# report's charts across runs put the two runs' max_depth against f1.
tune() { python3 - "$1" <<'PY'
import sys
path = sys.argv[1]
src = open(path).read()
def sub(src, old, new):
    assert old in src, "the trainer changed since the demo was written: no " + old
    return src.replace(old, new, 1)
if "train_xgb" in path:
    src = sub(src, '"tree_method": "hist",', '"tree_method": "hist",\n        "subsample": 0.9,')
    src = sub(src, 'int(p.get("xgb_max_depth", 4)),', 'int(p.get("xgb_max_depth", 4)) + 2,')
else:
    src = sub(src, '"random_state": int(p.get("seed", 42)),', '"random_state": int(p.get("seed", 42)),\n        "max_features": 0.5,')
    src = sub(src, 'int(p.get("rf_max_depth", 10)),', 'int(p.get("rf_max_depth", 10)) + 4,')
open(path, "w").write(src)
PY
}
tune_and_commit() { tune "$trainer" && git_ commit -qam "Tune the ${best#churn-} trainer"; }
publish tune_and_commit || fail "pushing the trainer change"
( cd "$demo/dana" && git_ diff --stat HEAD~1 HEAD | sed 's/^/  /' )
wait_for 240 "version 2 of $best" remote_has "models/$best/v2.yaml"
latest=$(git_ -C "$demo/remote.git" ls-tree -r --name-only main runs/churn/ | grep '\.json$' | tail -1)
python3 - "$demo/remote.git" "$latest" <<'PY' || fail "the second run did not reuse the unchanged tasks"
import json, subprocess, sys
rec = json.loads(subprocess.run(["git", "-C", sys.argv[1], "show", "main:" + sys.argv[2]], check=True, capture_output=True, text=True).stdout)
print(f"  run {rec['id']}: {rec['status']}")
hits = 0
for t in rec["tasks"]:
    if t.get("cache_hit"):
        hits += 1
        what = "cache hit: unchanged, its outputs reused"
    elif t["name"] == "load_data":
        what = "ran (cache: false, it reads the database every time)"
    else:
        what = "ran"
    f1 = t.get("metrics", {}).get("f1")
    print(f"    {t['name']:<10} {what}" + (f" (f1 {f1:.4f})" if f1 is not None and not t.get("cache_hit") else ""))
sys.exit(0 if hits >= 2 else 1)
PY
remote_has "models/$other/v2.yaml" && fail "$other was retrained although its trainer did not change"
wait_for 60 "the report of $best v2" sh -c "grep -q '<td>v2</td>' '$demo/state/site/models/$best/index.html'"
# The two runs trained with other max_depths: the charts across runs put
# the tuned param against f1.
grep -q "train_${best#churn-}.max_depth against" "$demo/state/site/runs/charts.html" \
	|| fail "the report's charts do not draw train_${best#churn-}.max_depth against f1"
echo "  the report's runs/charts.html draws train_${best#churn-}.max_depth against f1: the tuning, run by run"

say "7. train_lr, an unchanged MLflow script: what it logged is in git, its model serves"
( cd "$demo/dana" && git_ pull -q --ff-only origin main ) || fail "pulling the records"
first=$(git_ -C "$demo/remote.git" ls-tree -r --name-only main runs/churn/ | grep '\.json$' | head -1)
python3 - "$demo/remote.git" "$first" <<'PY' || fail "train_lr's MLflow calls are not in the first run's record"
import json, subprocess, sys
rec = json.loads(subprocess.run(["git", "-C", sys.argv[1], "show", "main:" + sys.argv[2]], check=True, capture_output=True, text=True).stdout)
t = next(t for t in rec["tasks"] if t["name"] == "train_lr")
runs = t.get("mlflow_runs", [])
print(f"  in run {rec['id']}, task train_lr:")
print(f"  mlflow.log_param -> params {', '.join(sorted(t.get('params', {})))}")
print(f"  mlflow.log_metric -> metrics {', '.join(sorted(t.get('metrics', {})))}, with their step history")
print(f"  mlflow.register_model -> models/{t['model']['name']}/ (flavor read from MLmodel)")
requests = t.get("stage_requests", [])
if requests:
    print(f"  transition_model_version_stage(Production) -> branch mlcd/promote-{requests[0]['model']}-v1, a promotion for the merge gate, nothing deployed")
sys.exit(0 if runs else 1)
PY
# Port 0: mlcd serve says the port it got once the model serves (a port
# picked here and released could be taken before mlcd listened on it).
mlcd serve churn-lr@1 --repo "$demo/dana" --port 0 >"$demo/serve-lr.log" 2>&1 &
lr_pid=$!
said_serving="^mlcd: serving churn-lr v1 .* on http://"
wait_for 60 "mlcd serve churn-lr@1 (log $demo/serve-lr.log)" grep -q "$said_serving" "$demo/serve-lr.log"
lr_addr=$(sed -n "s|$said_serving||p" "$demo/serve-lr.log" | head -1)
answer=$(curl -sS -H 'Content-Type: application/json' --data "$request" "http://$lr_addr/invocations") || fail "the churn-lr prediction"
kill "$lr_pid" 2>/dev/null; wait "$lr_pid" 2>/dev/null || true
echo "  mlcd serve churn-lr@1 (its own Python workers, flavor sklearn) answers: $answer"

say "8. The report"
echo "  open file://$demo/state/site/index.html in a browser"
echo "  the demo took $(( $(date +%s) - started ))s"
if [ -n "${DEMO_KEEP:-}" ]; then
	echo "  DEMO_KEEP=1: the controller keeps running (pid $watch_pid); stop it with: kill $watch_pid"
else
	echo "  stopping the controller"
fi
