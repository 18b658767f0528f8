#!/usr/bin/env bash
# The engine's floor for make bench-scale-slurm: the fan-out DAG that mlcd
# submits (one root, WIDTH parallel jobs, one join), submitted by hand with
# sbatch --dependency, each job a no-op. Returns when the join job has
# ended (sbatch --wait). Usage: bench-slurm-hand.sh WIDTH OUTDIR
set -euo pipefail
width="$1"
out="$2"
sb() { sbatch --parsable --output="$out/%j.out" --kill-on-invalid-dep=yes "$@"; }
root=$(sb --job-name=hand-root --wrap true)
ids=()
for i in $(seq 1 "$width"); do
  ids+=("$(sb --job-name="hand-t$i" --dependency="afterok:$root" --wrap true)")
done
deps=$(IFS=:; echo "${ids[*]}")
join=$(sb --job-name=hand-join --dependency="afterok:$deps" --wrap true)
while :; do
  state=$(squeue --noheader --states=all --jobs="$join" --format=%T)
  case "$state" in
    COMPLETED) exit 0 ;;
    PENDING|CONFIGURING|RUNNING|COMPLETING) sleep 0.25 ;;
    *) echo "bench-slurm-hand: join job $join: $state" >&2; exit 1 ;;
  esac
done
