#!/usr/bin/env bash
# make bench-dag: the per-task overhead of the executor. The same 200-task
# no-op DAG (one root, 198 parallel tasks, one join; every task `true`) runs
# as mlcd.yaml with `mlcd run --no-cache --jobs 2`, as a Makefile with
# `make -j2`, and once more with `mlcd run` fully cached. Prints the median
# wall time of RUNS runs each, the ratio to make, and mlcd's peak RSS.
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

now_ns() { date +%s%N; }

# median_ms CMD...: runs CMD $runs times, prints the median wall time in ms.
median_ms() {
  local times=() t0 t1
  for _ in $(seq 1 "$runs"); do
    t0=$(now_ns)
    "$@" > /dev/null 2>&1 || { echo "bench-dag: '$*' failed" >&2; exit 1; }
    t1=$(now_ns)
    times+=("$(( (t1 - t0) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
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
nocache=$(median_ms "$mlcd" run --no-cache --jobs 2)
make_ms=$(median_ms make -s -j2)
"$mlcd" run > /dev/null # fill the cache (no-op if --no-cache already did)
cached=$(median_ms "$mlcd" run)
rss_nocache=$(peak_kib "$mlcd" run --no-cache --jobs 2)
rss_cached=$(peak_kib "$mlcd" run)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
mib() { [ "$1" = "n/a" ] && echo "n/a" || awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo "DAG: $tasks no-op tasks (1 root, $width parallel, 1 join); median of $runs runs; $(nproc) CPUs"
printf '%-34s %12s %10s %12s\n' "command" "median" "vs make" "peak RSS"
printf '%-34s %10s ms %10s %12s\n' "mlcd run --no-cache --jobs 2" "$nocache" "$(ratio "$nocache" "$make_ms")" "$(mib "$rss_nocache")"
printf '%-34s %10s ms %10s %12s\n' "make -j2" "$make_ms" "1.00x" "-"
printf '%-34s %10s ms %10s %12s\n' "mlcd run (fully cached)" "$cached" "$(ratio "$cached" "$make_ms")" "$(mib "$rss_cached")"
echo "targets: --no-cache within 2x of make -j2, peak RSS under 40 MiB, cached run under 100 ms"
