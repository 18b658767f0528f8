package deploy

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
)

func TestGateway_BeforeFirstDeploy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/ping", http.StatusServiceUnavailable, "no model is served yet"},
		{"/invocations", http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE"},
		{"/churn/ping", http.StatusNotFound, "model churn is not served"},
		{"/nope", http.StatusNotFound, "ENDPOINT_NOT_FOUND"},
		{"/a/b/c", http.StatusNotFound, "ENDPOINT_NOT_FOUND"},
		{"/metrics", http.StatusOK, "go_goroutines"},
	}
	for _, tt := range tests {
		status, body := f.get(tt.path)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, status, body, tt.status, tt.want)
		}
	}
}

func TestDeployer_DeploySwitchesUnderLoad(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	f := newFixture(t, nil)
	example := readFile(t, filepath.Join(dir, "example.json"))
	v1 := f.withExample(f.version("churn", 1, "xgboost", filepath.Join(dir, "xgb_a.json")), example)
	v2 := f.withExample(f.version("churn", 2, "xgboost", filepath.Join(dir, "xgb_b.json")), example)
	if res := f.deploy(v1); res.Action != ActionDeployed || res.Previous != 0 {
		t.Fatalf("first deploy: %+v", res)
	}
	if got := f.modelVersion(""); got != "1" {
		t.Fatalf("model version on /health = %q, want 1", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
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
	time.Sleep(500 * time.Millisecond)
	res := f.deploy(v2)
	wg.Wait()
	if res.Action != ActionDeployed || res.Previous != 1 || res.Version != 2 {
		t.Errorf("second deploy: %+v", res)
	}
	if bad.Load() != 0 || ok.Load() == 0 {
		t.Errorf("under load across the switch: %d ok, %d failed; want 0 failed", ok.Load(), bad.Load())
	}
	if got := f.modelVersion(""); got != "2" {
		t.Errorf("model version on /health after the switch = %q, want 2", got)
	}
	if s, ok := f.d.Serving("churn"); !ok || s.Version != 2 || s.Commit != "c0ffee" || s.Digest != v2.Artifact.SHA256 {
		t.Errorf("Serving = %+v, %v", s, ok)
	}
	if _, err := os.Stat(f.d.versionDir(v1)); !os.IsNotExist(err) {
		t.Errorf("the deploy folder of v1 is still there after the switch: %v", err)
	}
	if _, err := os.Stat(f.d.versionDir(v2)); err != nil {
		t.Errorf("the deploy folder of v2: %v", err)
	}
	_, metrics := f.get("/metrics")
	for _, want := range []string{
		`mlcd_deploys_total{model="churn"} 2`,
		`mlcd_model_serving_version{model="churn"} 2`,
		`mlcd_model_request_duration_seconds_count{model="churn",version="1"}`,
		`mlcd_model_requests_total{model="churn",version="2"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	t.Logf("%d requests across the switch", ok.Load())
}

// load posts the example until ctx is done, counting answers.
func load(ctx context.Context, base string, body []byte, ok, bad *atomic.Int64) {
	client := &http.Client{}
	for ctx.Err() == nil {
		req, _ := http.NewRequest(http.MethodPost, base+"/invocations", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			bad.Add(1)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			ok.Add(1)
		} else {
			bad.Add(1)
		}
	}
}

func TestDeployer_DeploySameVersionIsNoop(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	f := newFixture(t, nil)
	v1 := f.version("churn", 1, "xgboost", filepath.Join(dir, "xgb_a.json"))
	f.deploy(v1)
	before, _ := f.d.Serving("churn")
	if res := f.deploy(v1); res.Action != ActionUnchanged || res.Previous != 1 {
		t.Errorf("replayed deploy: %+v, want unchanged", res)
	}
	after, _ := f.d.Serving("churn")
	if before != after {
		t.Errorf("a replayed deploy replaced the instance: %+v -> %+v", before, after)
	}
	_, metrics := f.get("/metrics")
	if !strings.Contains(metrics, `mlcd_deploys_total{model="churn"} 1`) {
		t.Errorf("deploys counted the replay:\n%s", grep(metrics, "mlcd_deploys_total"))
	}
}

func TestDeployer_RollsBackUnhealthyVersions(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	example := readFile(t, filepath.Join(dir, "example.json"))
	broken := filepath.Join(t.TempDir(), "model.json")
	os.WriteFile(broken, []byte(`{"learner": "not a booster"`), 0o644)
	badExample := []byte(`{"dataframe_split": {"columns": ["f0"], "data": [["x"]]}}`)

	tests := []struct {
		name   string
		v2     func(f *fixture) *registry.Version
		reason string
	}{
		{"a file that is not a model", func(f *fixture) *registry.Version {
			return f.version("churn", 2, "xgboost", broken)
		}, "load model"},
		{"a prediction that fails", func(f *fixture) *registry.Version {
			return f.withExample(f.version("churn", 2, "xgboost", filepath.Join(dir, "xgb_b.json")), badExample)
		}, "answered 400"},
		{"a server that exits at start", func(f *fixture) *registry.Version {
			return f.sklearnVersion("churn", 2, "exit")
		}, "server exited"},
		{"a server that never answers /ping", func(f *fixture) *registry.Version {
			return f.sklearnVersion("churn", 2, "no-ping")
		}, "no answer on /ping"},
		{"the wrong number of predictions", func(f *fixture) *registry.Version {
			return f.withExample(f.sklearnVersion("churn", 2, "wrong-shape"), example)
		}, "2 predictions for 3 rows"},
		{"an unknown flavor", func(f *fixture) *registry.Version {
			return f.version("churn", 2, "onnx", filepath.Join(dir, "xgb_b.json"))
		}, `flavor "onnx"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *Config) {
				if strings.Contains(tt.name, "/ping") {
					c.StartTimeout = 2 * time.Second // a server that works starts within the default
				}
			})
			f.deploy(f.withExample(f.version("churn", 1, "xgboost", filepath.Join(dir, "xgb_a.json")), example))
			v2 := tt.v2(f)
			res, err := f.d.Deploy(context.Background(), v2, "bad1")
			if !errors.Is(err, ErrUnhealthy) || res.Action != ActionRolledBack || res.Previous != 1 {
				t.Fatalf("Deploy = %+v, %v; want rolled back with ErrUnhealthy", res, err)
			}
			if !strings.Contains(res.Reason, tt.reason) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("reason %q (error %q) does not say %q", res.Reason, err, tt.reason)
			}
			if got := f.modelVersion(""); got != "1" {
				t.Errorf("after the rollback /health says version %q, want the old version 1", got)
			}
			if status, body := f.post("/invocations", example); status != 200 {
				t.Errorf("old version after the rollback: %d %s", status, body)
			}
			res, err = f.d.Deploy(context.Background(), v2, "bad1")
			if !errors.Is(err, ErrKnownBad) || res.Action != ActionSkipped || res.Reason == "" {
				t.Errorf("second Deploy of the bad digest = %+v, %v; want skipped with ErrKnownBad", res, err)
			}
			_, metrics := f.get("/metrics")
			if !strings.Contains(metrics, `mlcd_rollbacks_total{model="churn"} 1`) {
				t.Errorf("/metrics:\n%s", grep(metrics, "mlcd_rollbacks_total"))
			}
		})
	}
}

func TestDeployer_CorruptArtifactIsRefused(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	f := newFixture(t, nil)
	v := f.version("churn", 1, "xgboost", filepath.Join(dir, "xgb_a.json"))
	p := f.st.Path(v.Artifact.SHA256)
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := f.d.Deploy(context.Background(), v, "c1")
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(res.Reason, "corrupt") {
		t.Errorf("Deploy of a corrupt object = %+v, %v", res, err)
	}
	if status, _ := f.get("/ping"); status != http.StatusServiceUnavailable {
		t.Errorf("/ping = %d after a failed first deploy, want 503", status)
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestDeployer_LightGBMFlavor(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.deploy(f.version("gbm", 4, "lightgbm", "lightgbm/testdata/stump.txt"))
	if got := f.modelVersion(""); got != "4" {
		t.Errorf("model version on /health = %q, want 4", got)
	}
	if status, body := f.get("/version"); status != 200 || body != "2.8.1" {
		t.Errorf("/version = %d %q, want the MLflow version 2.8.1", status, body)
	}
	if status, _ := f.get("/ping"); status != 200 {
		t.Errorf("/ping = %d", status)
	}
}

// A version whose artifact is not in the store is not a failed health
// check: the error says which store lacks it, and once the object is there
// the same version deploys.
func TestDeployer_MissingArtifactIsNotAHealthFailure(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	f := newFixture(t, nil)
	v := f.version("churn", 1, "xgboost", filepath.Join(dir, "xgb_a.json"))
	p := f.st.Path(v.Artifact.SHA256)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	res, err := f.d.Deploy(context.Background(), v, "m1")
	if !errors.Is(err, ErrNoArtifact) || errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), f.st.Root()) || strings.Contains(err.Error(), "health") {
		t.Fatalf("Deploy without the artifact = %+v, %v; want ErrNoArtifact naming the store %s", res, err, f.st.Root())
	}
	if _, err := f.st.PutFile(context.Background(), filepath.Join(dir, "xgb_a.json")); err != nil {
		t.Fatal(err)
	}
	if res, err := f.d.Deploy(context.Background(), v, "m1"); err != nil || res.Action != ActionDeployed {
		t.Errorf("Deploy once the artifact is there = %+v, %v; want deployed", res, err)
	}
}
