"""load_data: read the customers table from SQL and write a snapshot.

The database is $DATABASE_URL: sqlite:///relative/path or sqlite:////absolute/path
(default sqlite:///data/churn.db), read with Python's sqlite3 and pandas. Any
other URL, such as postgresql://user@host/db, is handed to SQLAlchemy through
pandas.read_sql: install SQLAlchemy and the database's driver (psycopg2) for it.

Outputs in $MLCD_OUT: customers.csv (the snapshot, rows ordered by
customer_id so the same table gives the same bytes) and metrics.json (rows,
churn_rate). mlcd.yaml sets `cache: false` on this task: the table changes
without any commit, so every run reads it again; when the snapshot comes out
identical, the tasks downstream are cache hits.
"""

import json
import os
import sqlite3
import sys

import pandas as pd

QUERY = "SELECT * FROM customers ORDER BY customer_id"
DEFAULT_URL = "sqlite:///data/churn.db"


def read_table(url):
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if not os.path.exists(path):
            sys.exit("load_data: %s does not exist; create it with: python3 data/generate.py" % path)
        with sqlite3.connect("file:%s?mode=ro" % path, uri=True) as db:
            return pd.read_sql_query(QUERY, db)
    try:
        import sqlalchemy  # noqa: F401 (only needed for non-SQLite databases)
    except ImportError:
        sys.exit("load_data: DATABASE_URL %s needs SQLAlchemy and the database driver" % url.split("://")[0])
    return pd.read_sql(QUERY, url)


def main():
    out = os.environ["MLCD_OUT"]
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    df = read_table(url)
    if df.empty:
        sys.exit("load_data: the customers table is empty")
    df.to_csv(os.path.join(out, "customers.csv"), index=False, lineterminator="\n")
    metrics = {"rows": int(len(df)), "churn_rate": round(float(df["churn"].mean()), 6)}
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, sort_keys=True)
    print("load_data: %d rows from %s" % (len(df), url.split("://")[0]))


if __name__ == "__main__":
    main()
