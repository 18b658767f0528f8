"""Generate the churn database: a SQLite table of customers.

Deterministic: the same arguments always give the same rows. The data is
synthetic, shaped like the telecom churn tables of the CD4ML tutorials:
numeric and categorical columns, some missing values, and a churn label that
is a logistic function of the features plus noise, so a model can learn it.

    python3 data/generate.py                      # 20,000 customers in data/churn.db
    python3 data/generate.py --rows 3000 PATH     # a smaller database
    python3 data/generate.py --append 500         # 500 new customers, as new data arriving

The path comes from the argument, else $CHURN_DB, else data/churn.db.
"""

import argparse
import os
import sqlite3
import sys

import numpy as np

TABLE = "customers"
SEED = 20261126

CONTRACTS = ["Month-to-month", "One year", "Two year"]
PAYMENTS = ["Electronic check", "Mailed check", "Bank transfer", "Credit card"]
INTERNET = ["DSL", "Fiber optic", "No"]
GENDERS = ["Female", "Male"]

COLUMNS = [
    ("customer_id", "INTEGER PRIMARY KEY"),
    ("gender", "TEXT"),
    ("senior_citizen", "INTEGER"),
    ("partner", "INTEGER"),
    ("dependents", "INTEGER"),
    ("tenure", "INTEGER"),
    ("contract", "TEXT"),
    ("payment_method", "TEXT"),
    ("internet_service", "TEXT"),
    ("paperless_billing", "INTEGER"),
    ("monthly_charges", "REAL"),
    ("total_charges", "REAL"),
    ("support_calls", "INTEGER"),
    ("churn", "INTEGER"),
]


def customers(first_id, n):
    """Return n rows of customers, ids from first_id, the same for the same arguments."""
    rng = np.random.default_rng([SEED, first_id])
    contract = rng.choice(len(CONTRACTS), n, p=[0.55, 0.25, 0.20])
    payment = rng.choice(len(PAYMENTS), n, p=[0.35, 0.20, 0.22, 0.23])
    internet = rng.choice(len(INTERNET), n, p=[0.35, 0.45, 0.20])
    gender = rng.integers(0, 2, n)
    senior = (rng.random(n) < 0.16).astype(int)
    partner = (rng.random(n) < 0.48).astype(int)
    dependents = (rng.random(n) < 0.30).astype(int)
    tenure = np.clip(rng.gamma(1.6, 14 + 10 * contract, n), 0, 72).round().astype(int)
    paperless = (rng.random(n) < 0.6).astype(int)
    base = np.array([45.0, 80.0, 22.0])[internet]
    monthly = np.round(base + rng.normal(0, 12, n).clip(-20, 40), 2)
    total = np.round(monthly * tenure + rng.normal(0, 30, n).clip(-50, 50), 2).clip(0)
    support = rng.poisson(0.8 + 1.2 * (internet == 1), n)

    logit = (
        -1.2
        + 1.4 * (contract == 0)
        - 1.1 * (contract == 2)
        - 0.045 * tenure
        + 0.022 * (monthly - 60)
        + 0.45 * support
        + 0.7 * (payment == 0)
        + 0.5 * (internet == 1)
        + 0.4 * senior
        - 0.3 * partner
        + 0.25 * paperless
        + rng.normal(0, 0.6, n)
    )
    churn = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)

    # Missing values, as real exports have them.
    total_missing = rng.random(n) < 0.02
    internet_missing = rng.random(n) < 0.015
    support_missing = rng.random(n) < 0.03
    payment_missing = rng.random(n) < 0.01

    rows = []
    for i in range(n):
        rows.append((
            first_id + i,
            GENDERS[gender[i]],
            int(senior[i]),
            int(partner[i]),
            int(dependents[i]),
            int(tenure[i]),
            CONTRACTS[contract[i]],
            None if payment_missing[i] else PAYMENTS[payment[i]],
            None if internet_missing[i] else INTERNET[internet[i]],
            int(paperless[i]),
            float(monthly[i]),
            None if total_missing[i] else float(total[i]),
            None if support_missing[i] else int(support[i]),
            int(churn[i]),
        ))
    return rows


def create(db, n):
    db.execute("DROP TABLE IF EXISTS " + TABLE)
    db.execute("CREATE TABLE %s (%s)" % (TABLE, ", ".join(c + " " + t for c, t in COLUMNS)))
    insert(db, 1, n)


def insert(db, first_id, n):
    marks = ", ".join("?" * len(COLUMNS))
    db.executemany("INSERT INTO %s VALUES (%s)" % (TABLE, marks), customers(first_id, n))


def append(db, n):
    try:
        (last,) = db.execute("SELECT COALESCE(MAX(customer_id), 0) FROM " + TABLE).fetchone()
    except sqlite3.OperationalError as e:
        sys.exit("generate.py: --append needs an existing table %r: %s" % (TABLE, e))
    insert(db, last + 1, n)


def main(argv):
    ap = argparse.ArgumentParser(description="Generate the synthetic churn database (SQLite).")
    ap.add_argument("path", nargs="?", default=os.environ.get("CHURN_DB", "data/churn.db"))
    ap.add_argument("--rows", type=int, default=20000, help="customers in a new database")
    ap.add_argument("--append", type=int, metavar="N", help="add N customers to an existing database")
    args = ap.parse_args(argv)
    if args.rows < 1 or (args.append is not None and args.append < 1):
        ap.error("row counts must be at least 1")
    if args.append is not None and not os.path.exists(args.path):
        ap.error("%s does not exist; create it first without --append" % args.path)
    os.makedirs(os.path.dirname(os.path.abspath(args.path)), exist_ok=True)
    with sqlite3.connect(args.path) as db:
        if args.append is not None:
            append(db, args.append)
        else:
            create(db, args.rows)
        (count,) = db.execute("SELECT COUNT(*) FROM " + TABLE).fetchone()
    print("%s: %d customers" % (args.path, count))


if __name__ == "__main__":
    main(sys.argv[1:])
