package deploy

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/deploy/command"
)

func TestDeployer_CommandFlavorRestartsACrashedServer(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	example := readFile(t, filepath.Join(dir, "example.json"))
	f := newFixture(t, nil)
	// The server exits after each prediction it answers; the health
	// check's prediction is the first crash.
	f.deploy(f.withExample(f.sklearnVersion("rf", 1, "crash-after-1"), example))
	in := f.d.gw.routes.Load().byModel["rf"]
	srv := in.handler.(*command.Server)
	for i := range 2 {
		waitFor(t, 20*time.Second, func() bool { return srv.Restarts() > i })
		status, body := f.waitPost(t, "/invocations", example, 20*time.Second)
		if status != 200 || !strings.Contains(body, `"predictions": [`) {
			t.Fatalf("prediction %d after a crash: %d %s", i, status, body)
		}
	}
	if err := f.d.Undeploy(context.Background(), "rf"); err != nil {
		t.Fatal(err)
	}
	if srv.URL() != "" {
		t.Errorf("URL() = %q after Undeploy, want the server down", srv.URL())
	}
}

// waitFor polls cond until it holds, failing the test past limit.
func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitPost posts until the answer is not 503 (a server restarting) or
// the limit passes.
func (f *fixture) waitPost(t *testing.T, path string, body []byte, limit time.Duration) (int, string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		status, out := f.post(path, body)
		if status != 503 || time.Now().After(deadline) {
			return status, out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestGateway_RoutesOneAndSeveralModels(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	example := readFile(t, filepath.Join(dir, "example.json"))
	f := newFixture(t, nil)
	f.deploy(f.version("churn-xgb", 3, "xgboost", filepath.Join(dir, "xgb_a.json")))
	f.deploy(f.withExample(f.sklearnVersion("churn-rf", 7, "ok"), example))

	tests := []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/churn-xgb/version", 200, "2.8.1"},
		{"GET", "/churn-xgb/ping", 200, "\n"},
		{"GET", "/churn-xgb/health", 200, `"model_version":"3"`},
		{"POST", "/churn-xgb/invocations", 200, `{"predictions": [0.`},
		{"GET", "/churn-rf/version", 200, `"sklearn"`},
		{"POST", "/churn-rf/invocations", 200, `{"predictions": [`},
		{"GET", "/ping", 404, "several models are served (churn-rf, churn-xgb); use /<model>/ping"},
		{"POST", "/invocations", 404, "use /<model>/invocations"},
		{"GET", "/other/ping", 404, "model other is not served"},
		{"GET", "/churn-xgb/metrics", 404, "no route"},
		{"GET", "/churn-xgb/invocations", 405, "METHOD_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		var status int
		var body string
		if tt.method == "GET" {
			status, body = f.get(tt.path)
		} else {
			status, body = f.post(tt.path, example)
		}
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, status, body, tt.status, tt.want)
		}
	}

	if err := f.d.Undeploy(context.Background(), "churn-rf"); err != nil {
		t.Fatal(err)
	}
	if got := f.modelVersion(""); got != "3" {
		t.Errorf("one model left: /health says version %q, want 3", got)
	}
	if status, body := f.post("/invocations", example); status != 200 {
		t.Errorf("one model left: POST /invocations = %d %s", status, body)
	}
	if got := f.d.Gateway().Models(); len(got) != 1 || got[0] != "churn-xgb" {
		t.Errorf("Models() = %v", got)
	}
}

func TestExampleRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		rows int
		err  string
	}{
		{`{"dataframe_split": {"columns": ["a"], "data": [[1], [2]]}}`, 2, ""},
		{`{"dataframe_records": [{"a": 1}, {"a": 2}, {"a": 3}]}`, 3, ""},
		{`{"instances": [[1, 2]]}`, 1, ""},
		{`{"inputs": {"a": [1, 2, 3, 4]}}`, 4, ""},
		{`{"inputs": [[1], [2]]}`, 2, ""},
		{`{"params": {}}`, 0, "no dataframe_split"},
		{`[1, 2]`, 0, "not a JSON object"},
		{`{"inputs": 5}`, 0, "neither rows nor columns"},
		{`{"dataframe_split": [1]}`, 0, "dataframe_split"},
	}
	for _, tt := range tests {
		n, err := exampleRows([]byte(tt.body))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("exampleRows(%s) error = %v, want %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil || n != tt.rows {
			t.Errorf("exampleRows(%s) = %d, %v; want %d", tt.body, n, err, tt.rows)
		}
	}
}

func TestDeployer_CommandFlavorSwitchesUnderLoad(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	example := readFile(t, filepath.Join(dir, "example.json"))
	f := newFixture(t, nil)
	f.deploy(f.withExample(f.sklearnVersion("rf", 1, "ok"), example))
	v2 := f.withExample(f.sklearnVersion("rf", 2, "ok"), example)

	ctx, cancel := context.WithCancel(context.Background())
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			load(ctx, f.srv.URL, example, &ok, &bad)
		}()
	}
	old := f.d.gw.routes.Load().byModel["rf"].handler.(*command.Server)
	res := f.deploy(v2) // the load runs while v2 starts, is checked and switched to
	time.Sleep(300 * time.Millisecond)
	cancel()
	wg.Wait()
	if res.Action != ActionDeployed || res.Previous != 1 {
		t.Errorf("Deploy = %+v", res)
	}
	if bad.Load() != 0 || ok.Load() == 0 {
		t.Errorf("across the switch: %d ok, %d failed; want 0 failed", ok.Load(), bad.Load())
	}
	if old.URL() != "" {
		t.Error("the old server still runs after the switch")
	}
	if s, _ := f.d.Serving("rf"); s.Version != 2 {
		t.Errorf("serving v%d, want v2", s.Version)
	}
}
