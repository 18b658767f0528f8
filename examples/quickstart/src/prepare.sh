#!/bin/sh
# Split the data: every third row is a test row. Outputs go to $MLCD_OUT.
set -eu
head -n 1 data/iris.csv > "$MLCD_OUT/train.csv"
head -n 1 data/iris.csv > "$MLCD_OUT/test.csv"
tail -n +2 data/iris.csv | awk -v train="$MLCD_OUT/train.csv" -v test="$MLCD_OUT/test.csv" \
  '{ if (NR % 3 == 0) print >> test; else print >> train }'
rows=$(($(wc -l < "$MLCD_OUT/train.csv") - 1))
echo "prepared $rows training rows"
echo "{\"train_rows\": $rows}" > "$MLCD_OUT/metrics.json"
