#!/bin/sh
# Compare the three models through their outputs (MLCD_IN_<TASK>) and
# report the best one.
set -eu
best="" best_f1=0
for task in small medium large; do
  eval dir=\$MLCD_IN_TRAIN_$(echo "$task" | tr '[:lower:]' '[:upper:]')
  f1=$(sed 's/.*"f1": *\([0-9.]*\).*/\1/' "$dir/metrics.json")
  if awk -v a="$f1" -v b="$best_f1" 'BEGIN { exit !(a > b) }'; then
    best=$task best_f1=$f1
  fi
done
echo "best model: $best (f1 $best_f1)"
printf '{"best": "%s"}\n' "$best" > "$MLCD_OUT/tags.json"
printf '{"best_f1": %s}\n' "$best_f1" > "$MLCD_OUT/metrics.json"
