// Package churn holds the tests of the churn example: the CD4ML tutorial's
// pipeline (SQL -> features -> random forest || XGBoost) run by mlcd with
// Debian's scikit-learn and XGBoost. The example itself is the Python code
// and mlcd.yaml in this folder; there is no Go code to import.
package churn
