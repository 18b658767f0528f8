// Package e2e holds the end-to-end tests of mlcd: the CD4ML lifecycle of
// examples/churn as `make demo` runs it from a fresh clone — a real bare
// remote, `mlcd watch`, scikit-learn and XGBoost, a promotion, the model
// endpoint, a second run with cache hits — followed by the checks a release
// must pass; a newcomer's first hour with nothing but what `mlcd init`
// writes; and the workflow of `mlcd export github` replayed job by job in
// fresh clones and empty folders that share nothing but the artifact store.
// It has no code of its own.
package e2e
