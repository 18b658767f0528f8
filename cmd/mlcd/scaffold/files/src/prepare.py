"""prepare: make a small, deterministic data set (replace with your data loading).

Writes $MLCD_OUT/data.csv with columns x1, x2, y where y = 3*x1 - 2*x2 + 1 + noise.
Only the standard library is used.
"""

import csv
import json
import os
import random


def main():
    with open(os.environ["MLCD_PARAMS"]) as f:
        params = json.load(f)
    rng = random.Random(params.get("seed", 42))
    rows = int(params.get("rows", 500))
    with open(os.path.join(os.environ["MLCD_OUT"], "data.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["x1", "x2", "y"])
        for _ in range(rows):
            x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
            w.writerow(["%.6f" % x1, "%.6f" % x2, "%.6f" % (3 * x1 - 2 * x2 + 1 + rng.gauss(0, 0.3))])
    print("prepare: %d rows" % rows)


if __name__ == "__main__":
    main()
