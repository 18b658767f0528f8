package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDeployer_SklearnFlavor: a pickled random forest is served by mlcd's
// own workers, health-checked with its input example, switched blue/green
// under load to a version answering predict_proba, and a broken version is
// rolled back while that one keeps serving.
func TestDeployer_SklearnFlavor(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	example := readFile(t, filepath.Join(dir, "example.json"))
	f := newFixture(t, func(c *Config) {
		c.Python = python
		c.Workers = 2
	})
	v1 := f.withExample(f.version("churn-rf", 1, "sklearn", filepath.Join(dir, "rf.pkl")), example)
	if res := f.deploy(v1); res.Action != ActionDeployed {
		t.Fatalf("deploy v1: %+v", res)
	}
	status, body := f.post("/invocations", example)
	if status != 200 || !strings.HasPrefix(body, `{"predictions": [`) || strings.Contains(body, "[[") {
		t.Fatalf("v1 predict = %d %s, want one label per row", status, body)
	}

	v2 := f.withExample(f.version("churn-rf", 2, "sklearn", filepath.Join(dir, "rf.pkl")), example)
	v2.Artifact.File = "out/rf2.pkl" // same bytes: the deploy folder keys by digest and name
	v2.Serve = "predict_proba"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load(ctx, f.srv.URL, example, &ok, &bad)
		}()
	}
	res := f.deploy(v2)
	wg.Wait()
	if res.Action != ActionDeployed || res.Previous != 1 {
		t.Errorf("deploy v2: %+v", res)
	}
	if bad.Load() != 0 || ok.Load() == 0 {
		t.Errorf("under load across the switch: %d ok, %d failed; want 0 failed", ok.Load(), bad.Load())
	}
	if got := f.modelVersion(""); got != "2" {
		t.Errorf("/health after the switch says version %q, want 2", got)
	}
	status, body = f.post("/invocations", example)
	var proba struct{ Predictions [][]float64 }
	if err := json.Unmarshal([]byte(body), &proba); status != 200 || err != nil || len(proba.Predictions) != 3 || len(proba.Predictions[0]) != 2 {
		t.Errorf("v2 predict_proba = %d %s, want 3 rows of 2 probabilities", status, body)
	}

	broken := filepath.Join(t.TempDir(), "model.pkl")
	os.WriteFile(broken, []byte("not a pickle"), 0o644)
	v3 := f.withExample(f.version("churn-rf", 3, "sklearn", broken), example)
	res, err := f.d.Deploy(context.Background(), v3, "bad")
	if !errors.Is(err, ErrUnhealthy) || res.Action != ActionRolledBack || !strings.Contains(res.Reason, "sklearn: load") {
		t.Fatalf("deploy of a broken pickle = %+v, %v; want rolled back saying why", res, err)
	}
	if got := f.modelVersion(""); got != "2" {
		t.Errorf("after the rollback /health says version %q, want 2", got)
	}
	if status, body := f.post("/invocations", example); status != 200 {
		t.Errorf("v2 after the rollback: %d %s", status, body)
	}
}
