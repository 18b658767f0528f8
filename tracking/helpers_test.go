package tracking

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// memRecorder keeps what a session records, in order.
type memRecorder struct {
	mu     sync.Mutex
	events []Event
	notes  []string
	fail   error
}

var _ Recorder = (*memRecorder)(nil)

func (m *memRecorder) Record(evs ...Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.events = append(m.events, evs...)
	return nil
}

func (m *memRecorder) Note(msg string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notes = append(m.notes, msg)
}

func (m *memRecorder) kinds(k EventKind) []Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Event
	for _, e := range m.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// fixture is a started server over a checkout with one registered model
// (churn-rf v1 Production, alias champion) and one session.
type fixture struct {
	t    *testing.T
	srv  *Server
	sess *Session
	rec  *memRecorder
	out  string // the session's MLCD_OUT
	dir  string // the checkout
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	writeVersion(t, dir, &registry.Version{Schema: registry.Schema, Model: "churn-rf", Version: 1, Stage: registry.StageProduction,
		Aliases: []string{"champion"}, RunID: "20261101T000000.000Z-aaaaaa", Pipeline: "churn", Task: "train_rf",
		Artifact: registry.Artifact{File: "model.pkl", SHA256: strings.Repeat("a", 64), Size: 10}, Flavor: "command",
		Serve: "python3 serve.py {model} {port}", Created: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	return newFixtureIn(t, dir, nil)
}

func newFixtureIn(t *testing.T, dir string, model *pipeline.ModelSpec) *fixture {
	t.Helper()
	srv := New(Options{Pipeline: "churn", RunID: "20261206T000000.000Z-bbbbbb", Dir: dir})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	rec := &memRecorder{}
	out := t.TempDir()
	sess := srv.Open(Task{Name: "train", Attempt: 1, OutDir: out, Model: model, Recorder: rec})
	return &fixture{t: t, srv: srv, sess: sess, rec: rec, out: out, dir: dir}
}

func writeVersion(t *testing.T, dir string, v *registry.Version) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(v.Path()))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, registry.Marshal(v), 0o644); err != nil {
		t.Fatal(err)
	}
}

// do sends one call to the session's URI (path relative to it, e.g.
// "/api/2.0/mlflow/runs/create") with the headers of MLflow's client, and
// decodes the JSON answer.
func (f *fixture) do(method, path, body string) (int, map[string]any) {
	f.t.Helper()
	return doURL(f.t, method, f.sess.URI()+path, body)
}

func doURL(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	status, data := doRaw(t, method, url, body, "application/json")
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: %d, body %q is not a JSON object: %v", method, url, status, data, err)
	}
	return status, m
}

func doRaw(t *testing.T, method, url, body, contentType string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "mlflow-python-client/2.8.1")
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// mustOK fails unless the call answered 200.
func (f *fixture) mustOK(method, path, body string) map[string]any {
	f.t.Helper()
	status, m := f.do(method, path, body)
	if status != http.StatusOK {
		f.t.Fatalf("%s %s %s: %d %v", method, path, body, status, m)
	}
	return m
}

// wantError checks an MLflow error answer.
func wantError(t *testing.T, status int, m map[string]any, wantStatus int, code, msgPart string) {
	t.Helper()
	if status != wantStatus || m["error_code"] != code || !strings.Contains(m["message"].(string), msgPart) {
		t.Errorf("got %d %v, want %d %s with %q", status, m, wantStatus, code, msgPart)
	}
}

// createRun starts a run in experiment "0" and returns its id.
func (f *fixture) createRun(name string) string {
	f.t.Helper()
	body := `{"experiment_id": "0", "start_time": 1795734188072, "run_name": "` + name + `", "tags": [{"key": "mlflow.runName", "value": "` + name + `"}]}`
	m := f.mustOK("POST", "/api/2.0/mlflow/runs/create", body)
	return dig(m, "run", "info", "run_id").(string)
}

// dig walks nested JSON objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

var errDisk = errors.New("disk full")
