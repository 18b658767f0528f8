// Package churn_test runs the churn example end to end with mlcd and the
// real Python packages: three runs (fresh, unchanged, new rows), the
// XGBoost model served natively and the random forest served by mlcd's
// sklearn flavor, both checked against the trainers' own predictions.
package churn_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/deploy/xgboost"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// fastParams keep the trainings short; every run uses the same ones so the
// cache can hit. Two jobs, so the trainings overlap even on one CPU.
var fastParams = []string{"--jobs", "2", "--param", "rf_n_estimators=40", "--param", "xgb_n_estimators=40"}

func TestChurn_Pipeline(t *testing.T) {
	requirePython(t)
	ex := newExample(t, 3000)

	first := ex.run(t, fastParams...)
	assertAllRan(t, first, "load_data", "features", "train_rf", "train_xgb", "train_lr")
	assertParallel(t, first.Task("train_rf"), first.Task("train_xgb"))
	for _, name := range []string{"train_rf", "train_xgb"} {
		assertSaneMetrics(t, first.Task(name))
	}
	if h := first.Task("train_xgb").MetricHistory["test_logloss"]; len(h) < 2 {
		t.Errorf("train_xgb: metric history of test_logloss has %d points, want several", len(h))
	}
	t.Run("xgboost model served natively", func(t *testing.T) { checkXGBoost(t, ex, first) })
	t.Run("random forest served by the sklearn flavor", func(t *testing.T) { checkSklearn(t, ex, first) })
	t.Run("MLflow script recorded", func(t *testing.T) { checkMLflowTrainer(t, ex, first.Task("train_lr")) })

	second := ex.run(t, fastParams...)
	assertAllRan(t, second, "load_data")
	assertCached(t, second, "features", "train_rf", "train_xgb", "train_lr")
	if a, b := snapshot(t, first), snapshot(t, second); a != b {
		t.Errorf("load_data snapshot changed on unchanged data: %s then %s", a, b)
	}

	ex.python(t, "data/generate.py", "--append", "500")
	third := ex.run(t, fastParams...)
	assertAllRan(t, third, "load_data", "features", "train_rf", "train_xgb", "train_lr")
	if snapshot(t, second) == snapshot(t, third) {
		t.Error("load_data snapshot did not change after 500 new rows")
	}
	if got := third.Task("load_data").Metrics["rows"]; got != 3500 {
		t.Errorf("load_data rows = %v, want 3500", got)
	}
}

// checkXGBoost loads model.json with deploy/xgboost and compares its
// predictions on test.csv with the trainer's predictions.csv.
func checkXGBoost(t *testing.T, ex *example, r *pipeline.Run) {
	ctx := context.Background()
	m, err := xgboost.Load(ctx, ex.output(t, r, "train_xgb", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Objective() != "binary:logistic" || !m.Schema().Named() {
		t.Fatalf("model.json: objective %q, named schema %v; want binary:logistic with feature names", m.Objective(), m.Schema().Named())
	}
	testCSV := readFile(t, ex.output(t, r, "features", "test.csv"))
	frame, _, err := scoring.Decode("text/csv", testCSV, m.Schema())
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Predict(ctx, &frame)
	if err != nil {
		t.Fatal(err)
	}
	want := predictions(t, ex.output(t, r, "train_xgb", "predictions.csv"))
	if len(got.Values) != len(want) {
		t.Fatalf("%d predictions, predictions.csv has %d", len(got.Values), len(want))
	}
	for i := range want {
		if math.Abs(got.Values[i]-want[i]) > 1e-6 {
			t.Fatalf("row %d: native prediction %v, XGBoost's %v", i, got.Values[i], want[i])
		}
	}
}

// predictions reads the one-column predictions.csv a trainer writes.
func predictions(t *testing.T, path string) []float64 {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(readFile(t, path))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) < 2 || rows[0][0] != "prediction" {
		t.Fatalf("%s: want a header \"prediction\" and rows, got %d lines", path, len(rows))
	}
	out := make([]float64, 0, len(rows)-1)
	for i, row := range rows[1:] {
		v, err := strconv.ParseFloat(row[0], 64)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, i+2, err)
		}
		out = append(out, v)
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// snapshot is the digest of load_data's customers.csv in r.
func snapshot(t *testing.T, r *pipeline.Run) string {
	t.Helper()
	o := r.Task("load_data").Output("customers.csv")
	if o == nil {
		t.Fatalf("run %s: load_data has no customers.csv", r.ID)
	}
	return o.SHA256
}
