"""features: encode, impute and split the snapshot from load_data.

Reads $MLCD_IN_LOAD_DATA/customers.csv. Categorical columns are label
encoded (categories sorted, so the codes do not depend on row order),
missing values are imputed (median for numbers, mode for categories, both
computed on the training rows only), and the rows are split into train and
test with a fixed seed, stratified on the label.

Outputs in $MLCD_OUT: train.csv, test.csv, features.json (feature names in
model order and the label), encoders.json and imputation.json. The same
input always gives the same bytes, so unchanged data keeps the trainings
cached.
"""

import json
import os

import pandas as pd
from sklearn.model_selection import train_test_split

from common import params, write_json

LABEL = "churn"
ID = "customer_id"
CATEGORICAL = ["gender", "contract", "payment_method", "internet_service"]


def main():
    p = params()
    out = os.environ["MLCD_OUT"]
    df = pd.read_csv(os.path.join(os.environ["MLCD_IN_LOAD_DATA"], "customers.csv"))
    features = [c for c in df.columns if c not in (ID, LABEL)]

    train, test = train_test_split(
        df, test_size=float(p.get("test_size", 0.2)), random_state=int(p.get("seed", 42)), stratify=df[LABEL]
    )
    train, test = train.sort_values(ID), test.sort_values(ID)

    encoders, imputation = {}, {}
    for col in features:
        if col in CATEGORICAL:
            mode = train[col].mode().sort_values().iloc[0]
            imputation[col] = mode
            codes = {v: i for i, v in enumerate(sorted(df[col].dropna().unique()))}
            encoders[col] = codes
            for part in (train, test):
                part[col] = part[col].fillna(mode).map(codes).astype(int)
        else:
            median = float(train[col].median())
            imputation[col] = median
            for part in (train, test):
                part[col] = part[col].fillna(median).astype(float)

    cols = features + [LABEL]
    train[cols].to_csv(os.path.join(out, "train.csv"), index=False, lineterminator="\n")
    test[cols].to_csv(os.path.join(out, "test.csv"), index=False, lineterminator="\n")
    write_json("features.json", {"features": features, "label": LABEL})
    write_json("encoders.json", encoders)
    write_json("imputation.json", imputation)
    write_json("metrics.json", {"train_rows": len(train), "test_rows": len(test)})
    print("features: %d features, %d train rows, %d test rows" % (len(features), len(train), len(test)))


if __name__ == "__main__":
    main()
