"""train_xgb: an XGBoost classifier (binary:logistic) on the features' train split.

Params (mlcd.yaml `params:`): xgb_n_estimators, xgb_max_depth,
xgb_learning_rate, seed.

Outputs in $MLCD_OUT: model.json (the booster as save_model writes it, with
its feature names, which mlcd's native xgboost flavor serves), params.json,
metrics.json (accuracy, precision, recall, f1, roc_auc on the test split),
feature_importance.png, input_example.json and predictions.csv (the
probability of churn for every test row, in test.csv's order, as the
booster's predict gives it). The test logloss of every boosting round goes
to the run's metric history through `mlcd log metric`.
"""

from xgboost import XGBClassifier

from common import (classification_metrics, importance_chart, input_example, load_split, log_metric, out_path,
                    params, write_json)

HISTORY_POINTS = 20  # at most this many `mlcd log` calls


def main():
    p = params()
    hp = {
        "n_estimators": int(p.get("xgb_n_estimators", 200)),
        "max_depth": int(p.get("xgb_max_depth", 4)),
        "learning_rate": float(p.get("xgb_learning_rate", 0.1)),
        "random_state": int(p.get("seed", 42)),
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "tree_method": "hist",
    }
    X_train, y_train, X_test, y_test, names = load_split()
    clf = XGBClassifier(n_jobs=2, **hp)
    clf.fit(X_train, y_train, eval_set=[(X_test, y_test)], verbose=False)

    proba = clf.predict_proba(X_test)[:, 1]
    labels = (proba > 0.5).astype(int)
    metrics = classification_metrics(y_test, labels, proba)

    booster = clf.get_booster()
    booster.feature_names = names
    booster.save_model(out_path("model.json"))
    write_json("params.json", dict(hp, model="XGBClassifier"))
    write_json("metrics.json", metrics)
    gain = booster.get_score(importance_type="gain")
    importance_chart(names, [gain.get(n, 0.0) for n in names], "XGBoost: feature importance (gain)")
    input_example(X_test)
    with open(out_path("predictions.csv"), "w") as f:
        f.write("prediction\n")
        f.writelines("%r\n" % float(v) for v in proba)

    losses = clf.evals_result()["validation_0"]["logloss"]
    every = max(1, len(losses) // HISTORY_POINTS)
    for step, loss in enumerate(losses):
        if step % every == 0 or step == len(losses) - 1:
            log_metric("test_logloss", loss, step)
    print("train_xgb: " + ", ".join("%s=%.4f" % kv for kv in sorted(metrics.items())))


if __name__ == "__main__":
    main()
