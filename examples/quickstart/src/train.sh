#!/bin/sh
# A stand-in for a training script: "learns" for $MLCD_PARAM_EPOCHS epochs,
# logs the loss of each epoch with `mlcd log metric --step`, writes a model
# file and its final metrics to $MLCD_OUT.
set -eu
size=$1 depth=$2
rows=$(($(wc -l < "$MLCD_IN_PREPARE/train.csv") - 1))
mlcd log param depth "$depth"
mlcd log tag size "$size"
epoch=1
while [ "$epoch" -le "$MLCD_PARAM_EPOCHS" ]; do
  loss=$(awk -v e="$epoch" -v d="$depth" -v lr="$MLCD_PARAM_LEARNING_RATE" \
    'BEGIN { printf "%.4f", 1 / (1 + e * d * lr) }')
  mlcd log metric loss "$loss" --step "$epoch"
  epoch=$((epoch + 1))
done
accuracy=$(awk -v d="$depth" -v r="$rows" 'BEGIN { printf "%.4f", 1 - 1 / (2 + d + r / 10) }')
f1=$(awk -v a="$accuracy" 'BEGIN { printf "%.4f", a - 0.02 }')
printf 'model %s depth=%s trained on %s rows\n' "$size" "$depth" "$rows" > "$MLCD_OUT/model.txt"
printf '{"accuracy": %s, "f1": %s}\n' "$accuracy" "$f1" > "$MLCD_OUT/metrics.json"
echo "trained $size: accuracy $accuracy"
