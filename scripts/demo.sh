#!/usr/bin/env bash
# make demo: the CD4ML lifecycle of examples/churn, end to end, on this
# machine, with nothing but Go, git and Python's ML packages:
#
#   a bare git repository plays the remote; `mlcd watch` follows it; the first
#   run trains a random forest and an XGBoost model in parallel and registers
#   version 1 of each; the better one is promoted through a merged branch;
#   mlcd serves it on 127.0.0.1:1234 (the `mlflow models serve` protocol); new
#   rows in the database trigger a second run and version 2.
#
# DEMO_DIR (default ./demo) holds everything; DEMO_KEEP=1 leaves the
# controller running at the end. A failed step stops the demo and names the
# log to read.
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
# POST /runs (step 6) needs the webhook secret; the demo makes one up.
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

remote_has() { git_ -C "$demo/remote.git" cat-file -e "main:$1"; }
say "3. The first run: load_data -> features -> train_rf || train_xgb"
wait_for 240 "version 1 of churn-rf and churn-xgb on the remote" \
	sh -c "git -C '$demo/remote.git' cat-file -e main:models/churn-rf/v1.yaml && git -C '$demo/remote.git' cat-file -e main:models/churn-xgb/v1.yaml"
wait_for 60 "the report" test -f "$demo/state/site/index.html"
git_ -C "$demo/remote.git" log --oneline main | sed 's/^/  /'
metric() { git_ -C "$demo/remote.git" show "main:models/$1/v$2.yaml" | sed -n "s/^ *$3: //p" | head -1; }
rf=$(metric churn-rf 1 f1); xgb=$(metric churn-xgb 1 f1)
echo "  f1: churn-rf v1 $rf, churn-xgb v1 $xgb"
best=$(python3 -c "print('churn-xgb' if float('$xgb') >= float('$rf') else 'churn-rf')")

say "4. Promote $best v1: a branch that changes one line, merged as a reviewer would"
mlcd promote "$best" 1 --repo "$demo/remote.git" | sed 's/^/  /' || fail "mlcd promote"
( cd "$demo/dana" && git_ fetch -q origin && git_ pull -q --ff-only origin main \
	&& git_ diff --stat "main" "origin/mlcd/promote-$best-v1" | sed 's/^/  /' \
	&& git_ merge -q --no-ff -m "Promote $best v1 to Production (reviewed)" "origin/mlcd/promote-$best-v1" \
	&& git_ push -q origin main ) || fail "merging the promotion"
wait_for 120 "the deployment of $best v1" sh -c "git -C '$demo/remote.git' show main:deployments/$best.yaml | grep -q 'version: 1'"
wait_for 30 "the model endpoint" curl -sf "http://$endpoint/ping"
git_ -C "$demo/remote.git" show "main:deployments/$best.yaml" | sed 's/^/  /' | head -12

say "5. A prediction from http://$endpoint/invocations"
request=$(python3 - "$demo/churn.db" <<'PY'
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
cur = con.execute("select * from customers order by customer_id limit 2")
cols = [d[0] for d in cur.description]
rows = [list(r) for r in cur.fetchall()]
drop = {"customer_id", "churn"}
keep = [i for i, c in enumerate(cols) if c not in drop]
print(json.dumps({"dataframe_split": {"columns": [cols[i] for i in keep], "data": [[r[i] for i in keep] for r in rows]}}))
PY
)
example=$(find "$demo/store" -name '*' -type f -size -20k -exec grep -l '"dataframe_split"' {} + 2>/dev/null | head -1 || true)
[ -n "$example" ] && request=$(python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$example")
echo "  request:  $(echo "$request" | cut -c1-150)..."
answer=$(curl -sS -H 'Content-Type: application/json' --data "$request" "http://$endpoint/invocations") || fail "the prediction request"
echo "  response: $answer"
echo "$answer" | grep -q '"predictions"' || fail "the endpoint answered without predictions"

say "6. 500 new customers in the database, and a run"
python3 "$root/examples/churn/data/generate.py" "$demo/churn.db" --append 500
printf 'Authorization: Bearer %s\n' "$MLCD_WEBHOOK_SECRET" | curl -sf -X POST -H @- "http://$control/runs" | sed 's/^/  /' || fail "asking the controller for a run"
wait_for 240 "version 2 of churn-xgb" remote_has models/churn-xgb/v2.yaml
latest=$(git_ -C "$demo/remote.git" ls-tree -r --name-only main runs/churn/ | grep '\.json$' | tail -1)
python3 - "$demo/remote.git" "$latest" <<'PY'
import json, subprocess, sys
rec = json.loads(subprocess.run(["git", "-C", sys.argv[1], "show", "main:" + sys.argv[2]], check=True, capture_output=True, text=True).stdout)
print(f"  run {rec['id']} ({rec['trigger']['kind']}): {rec['status']}")
for t in rec["tasks"]:
    what = "cache hit" if t.get("cache_hit") else "ran"
    f1 = t.get("metrics", {}).get("f1")
    print(f"    {t['name']:<10} {what:<9}" + (f"  f1 {f1:.4f}" if f1 is not None else ""))
PY
wait_for 60 "the report of version 2" sh -c "grep -rlq 'v2' '$demo/state/site/models'"

say "7. The report"
echo "  file://$demo/state/site/index.html"
echo "  models: $(ls "$demo/state/site/models" 2>/dev/null | tr '\n' ' ')"
echo "  the demo took $(( $(date +%s) - started ))s"
if [ -n "${DEMO_KEEP:-}" ]; then
	echo "  DEMO_KEEP=1: the controller keeps running (pid $watch_pid); stop it with: kill $watch_pid"
else
	echo "  stopping the controller"
fi
