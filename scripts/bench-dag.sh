#!/usr/bin/env bash
# make bench-dag: the per-task overhead of the executor. The same 200-task
# no-op DAG (one root, 198 parallel tasks, one join; every task `true`) runs
# as mlcd.yaml with `mlcd run --no-cache --jobs 2`, as a Makefile with
# `make -j2`, and once more with `mlcd run` fully cached. mlcd and make run
# in turns, so that a busy machine slows both alike. Prints the median wall
# time and CPU time (user and system, the tasks' included) of RUNS runs
# each, the ratio to make, and mlcd's peak RSS.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mlcd="${MLCD:-$root/bin/mlcd}"
runs="${RUNS:-5}"
width="${WIDTH:-198}"
[ -x "$mlcd" ] || { echo "bench-dag: $mlcd is missing; run 'make build' first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mlcd-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MLCD_STORE="$work/store"
dag="$work/dag"
mkdir -p "$dag"

{
  echo "pipeline: bench"
  echo "tasks:"
  echo "  root: {run: \"true\"}"
  for i in $(seq 1 "$width"); do echo "  t$i: {run: \"true\", needs: [root]}"; done
  printf '  join:\n    run: "true"\n    needs: ['
  for i in $(seq 1 "$width"); do printf 't%d%s' "$i" "$([ "$i" -lt "$width" ] && echo ', ')"; done
  echo ']'
} > "$dag/mlcd.yaml"
{
  echo ".PHONY: join root$(for i in $(seq 1 "$width"); do printf ' t%d' "$i"; done)"
  printf 'join:'; for i in $(seq 1 "$width"); do printf ' t%d' "$i"; done; printf '\n\ttrue\n'
  for i in $(seq 1 "$width"); do printf 't%d: root\n\ttrue\n' "$i"; done
  printf 'root:\n\ttrue\n'
} > "$dag/Makefile"

# measure NAME CMD...: runs CMD once and appends its wall and CPU time in
# ms to $work/NAME.wall and $work/NAME.cpu.
measure() {
  local name=$1 t
  shift
  t=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" > /dev/null 2>&1; } 2>&1 ) \
    || { echo "bench-dag: '$*' failed" >&2; exit 1; }
  set -- $t
  awk -v r="$1" 'BEGIN { printf "%.1f\n", r * 1000 }' >> "$work/$name.wall"
  awk -v u="$2" -v s="$3" 'BEGIN { printf "%.1f\n", (u + s) * 1000 }' >> "$work/$name.cpu"
}

# median FILE: the median of the numbers in FILE, one a line.
median() {
  sort -n "$1" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] }'
}

# peak_kib CMD...: the peak RSS of CMD, or "n/a" without GNU time.
peak_kib() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$work/rss" "$@" > /dev/null 2>&1 && cat "$work/rss"
  else
    echo "n/a"
  fi
}

cd "$dag"
tasks=$((width + 2))
for _ in $(seq 1 "$runs"); do
  measure nocache "$mlcd" run --no-cache --jobs 2
  measure make make -s -j2
done
"$mlcd" run > /dev/null # fill the cache (no-op if --no-cache already did)
for _ in $(seq 1 "$runs"); do measure cached "$mlcd" run; done
nocache=$(median "$work/nocache.wall") make_ms=$(median "$work/make.wall") cached=$(median "$work/cached.wall")
rss_nocache=$(peak_kib "$mlcd" run --no-cache --jobs 2)
rss_cached=$(peak_kib "$mlcd" run)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
mib() { [ "$1" = "n/a" ] && echo "n/a" || awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo "DAG: $tasks no-op tasks (1 root, $width parallel, 1 join); median of $runs runs; $(nproc) CPUs"
printf '%-34s %12s %10s %12s %12s\n' "command" "median" "vs make" "CPU" "peak RSS"
printf '%-34s %10s ms %10s %9s ms %12s\n' "mlcd run --no-cache --jobs 2" "$nocache" "$(ratio "$nocache" "$make_ms")" "$(median "$work/nocache.cpu")" "$(mib "$rss_nocache")"
printf '%-34s %10s ms %10s %9s ms %12s\n' "make -j2" "$make_ms" "1.00x" "$(median "$work/make.cpu")" "-"
printf '%-34s %10s ms %10s %9s ms %12s\n' "mlcd run (fully cached)" "$cached" "$(ratio "$cached" "$make_ms")" "$(median "$work/cached.cpu")" "$(mib "$rss_cached")"
echo "CPU: user and system time of the command and its tasks"
echo "targets: --no-cache within 2x of make -j2, peak RSS under 40 MiB, cached run under 100 ms"
