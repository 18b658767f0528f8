"""train_rf: a scikit-learn random forest on the features' train split.

Params (mlcd.yaml `params:`): rf_n_estimators, rf_max_depth, seed.

Outputs in $MLCD_OUT: model.pkl (the pickled classifier; it keeps its
feature names in feature_names_in_), feature_names.json, params.json,
metrics.json (accuracy, precision, recall, f1, roc_auc on the test split),
feature_importance.png, input_example.json (a scoring request of five test
rows) and predictions.csv (the predicted label of every test row, in
test.csv's order: what mlcd's sklearn flavor answers for the same rows).
"""

import pickle

from sklearn.ensemble import RandomForestClassifier

from common import classification_metrics, importance_chart, input_example, load_split, out_path, params, write_json


def main():
    p = params()
    hp = {
        "n_estimators": int(p.get("rf_n_estimators", 200)),
        "max_depth": int(p.get("rf_max_depth", 10)),
        "min_samples_leaf": int(p.get("rf_min_samples_leaf", 5)),
        "random_state": int(p.get("seed", 42)),
    }
    X_train, y_train, X_test, y_test, names = load_split()
    clf = RandomForestClassifier(n_jobs=2, **hp).fit(X_train, y_train)

    labels = clf.predict(X_test)
    proba = clf.predict_proba(X_test)[:, 1]
    metrics = classification_metrics(y_test, labels, proba)

    clf.set_params(n_jobs=1)  # serving scores a few rows at a time
    with open(out_path("model.pkl"), "wb") as f:
        pickle.dump(clf, f, protocol=4)
    write_json("feature_names.json", names)
    write_json("params.json", dict(hp, model="RandomForestClassifier"))
    write_json("metrics.json", metrics)
    importance_chart(names, list(clf.feature_importances_), "Random forest: feature importance")
    input_example(X_test)
    with open(out_path("predictions.csv"), "w") as f:
        f.write("prediction\n")
        f.writelines("%d\n" % v for v in labels)
    print("train_rf: " + ", ".join("%s=%.4f" % kv for kv in sorted(metrics.items())))


if __name__ == "__main__":
    main()
