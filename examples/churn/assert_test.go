package churn_test

import (
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// assertAllRan checks that each task ran (no cache hit) and succeeded.
func assertAllRan(t *testing.T, r *pipeline.Run, tasks ...string) {
	t.Helper()
	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("run %s: status %s, want success", r.ID, r.Status)
	}
	for _, name := range tasks {
		tr := r.Task(name)
		switch {
		case tr == nil:
			t.Errorf("run %s: no task %s", r.ID, name)
		case tr.Status != pipeline.StatusSuccess || tr.CacheHit:
			t.Errorf("run %s: task %s status %s, cache hit %v; want it run and succeeded", r.ID, name, tr.Status, tr.CacheHit)
		}
	}
}

// assertCached checks that each task was a successful cache hit.
func assertCached(t *testing.T, r *pipeline.Run, tasks ...string) {
	t.Helper()
	for _, name := range tasks {
		tr := r.Task(name)
		if tr == nil || tr.Status != pipeline.StatusSuccess || !tr.CacheHit {
			t.Errorf("run %s: task %s is not a successful cache hit: %+v", r.ID, name, tr)
		}
	}
}

// assertParallel checks that the two tasks' executions overlapped in time.
func assertParallel(t *testing.T, a, b *pipeline.TaskRecord) {
	t.Helper()
	if !a.Start.Before(b.End) || !b.Start.Before(a.End) {
		t.Errorf("%s [%s, %s] and %s [%s, %s] did not overlap", a.Name, a.Start, a.End, b.Name, b.Start, b.End)
	}
}

// assertSaneMetrics checks the classification metrics of a training task:
// all present, in [0, 1], and showing that the model learnt the signal.
func assertSaneMetrics(t *testing.T, tr *pipeline.TaskRecord) {
	t.Helper()
	for _, m := range []string{"accuracy", "precision", "recall", "f1", "roc_auc"} {
		v, ok := tr.Metrics[m]
		if !ok || v < 0 || v > 1 {
			t.Errorf("%s: metric %s = %v (present %v), want a value in [0, 1]", tr.Name, m, v, ok)
		}
	}
	if f1 := tr.Metrics["f1"]; f1 <= 0.5 {
		t.Errorf("%s: f1 = %v, want > 0.5 on data with signal", tr.Name, f1)
	}
	if auc := tr.Metrics["roc_auc"]; auc <= 0.7 {
		t.Errorf("%s: roc_auc = %v, want > 0.7", tr.Name, auc)
	}
	if tr.Params["n_estimators"] == nil {
		t.Errorf("%s: params.json has no n_estimators: %v", tr.Name, tr.Params)
	}
	for _, f := range []string{"feature_importance.png", "input_example.json", "predictions.csv", "params.json"} {
		if tr.Output(f) == nil {
			t.Errorf("%s: no output %s", tr.Name, f)
		}
	}
}
