#!/usr/bin/env bash
# The quickstart end to end: copy examples/quickstart to a temporary folder,
# run it with bin/mlcd (built by `make build`), then run it again: the second
# run finds every task in the cache and runs nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mlcd="$root/bin/mlcd"
[ -x "$mlcd" ] || { echo "demo: $mlcd is missing; run 'make build' first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mlcd-demo.XXXXXX")
cp -R "$root/examples/quickstart" "$work/quickstart"
export MLCD_STORE="$work/store"
cd "$work/quickstart"

echo "== mlcd run (first time: every task runs)"
"$mlcd" run
echo
echo "== mlcd run (again, nothing changed: every task is a cache hit)"
"$mlcd" run
echo
echo "The pipeline ran in:   $work/quickstart"
echo "Its run records:       $work/quickstart/runs/quickstart/"
ls -1 "$work/quickstart/runs/quickstart/" | sed 's/^/  /'
echo "Outputs and logs:      $MLCD_STORE (content-addressed, sha256)"
echo "Change data/iris.csv and run '$mlcd run $work/quickstart' to see what reruns."
