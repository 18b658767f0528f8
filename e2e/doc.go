// Package e2e holds the end-to-end test of mlcd: the CD4ML lifecycle of
// examples/churn as `make demo` runs it — a real bare remote, `mlcd watch`,
// scikit-learn and XGBoost, a promotion, the model endpoint, a second run —
// followed by the checks a release must pass. It has no code of its own.
package e2e
