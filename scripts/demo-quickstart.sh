#!/usr/bin/env bash
# The quickstart end to end: copy examples/quickstart to a temporary folder,
# commit it to a new git repository, run it with bin/mlcd (built by `make
# build`), which registers its models' versions in models/, then run it
# again: the second run finds every task in the cache and runs nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mlcd="$root/bin/mlcd"
[ -x "$mlcd" ] || { echo "demo: $mlcd is missing; run 'make build' first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mlcd-demo.XXXXXX")
cp -R "$root/examples/quickstart" "$work/quickstart"
export MLCD_STORE="$work/store" GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
cd "$work/quickstart"
# A repository, as yours would be: a version names the commit of its code.
git -c init.defaultBranch=main init -q && git add -A \
	&& git -c user.name="Dana Scientist" -c user.email=dana@example.com commit -qm "The quickstart"

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
