package tracking

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzServer sends arbitrary calls to a server with one session and one
// run: every /api/ answer is a JSON object with a known status, and no
// file appears outside the session's MLCD_OUT.
func FuzzServer(f *testing.F) {
	run := strings.Repeat("ab", 16)
	for _, c := range [][3]string{
		{"POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id": "RUN", "key": "loss", "value": 1.5, "timestamp": 1, "step": 2}`},
		{"POST", "/api/2.0/mlflow/runs/log-batch", `{"run_id": "RUN", "metrics": [{"key": "a", "value": 1, "timestamp": 1, "step": 0}], "params": [{"key": "p", "value": "1"}]}`},
		{"GET", "/api/2.0/mlflow/runs/get?run_id=RUN", ""},
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/0/RUN/artifacts/model/MLmodel", "flavors: {}"},
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/0/RUN/artifacts/%2e%2e/x", "x"},
		{"POST", "/api/2.0/mlflow/model-versions/create", `{"name": "m", "source": "runs:/RUN/model"}`},
		{"POST", "/api/2.0/mlflow/experiments/create", `{"name": 1}`},
		{"GET", "/api/2.0/mlflow/metrics/get-history?run_id=RUN&metric_key=loss&max_results=-1", ""},
	} {
		f.Add(c[0], strings.ReplaceAll(c[1], "RUN", run), strings.ReplaceAll(c[2], "RUN", run))
	}
	dir := f.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		f.Fatal(err)
	}
	srv := New(Options{Pipeline: "p"})
	sess := srv.Open(Task{Name: "t", Attempt: 1, OutDir: out, Recorder: &memRecorder{}})
	r := &liveRun{sess: sess, expID: "0", params: map[string]string{}, tags: map[string]string{}, history: map[string][]metricJSON{}}
	r.info.ID, r.info.Status = run, "RUNNING"
	sess.runs = append(sess.runs, r)
	srv.runs[run] = r
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n#") {
			return
		}
		req, err := http.NewRequest(method, "http://127.0.0.1/t/"+sess.token+path, strings.NewReader(body))
		if err != nil {
			return
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		isArtifact := strings.HasPrefix(path, artifactsPrefix+"/") && method == http.MethodGet && w.Code == http.StatusOK
		if !isArtifact {
			var m map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
				t.Fatalf("%s %s: %d %q is not a JSON object", method, path, w.Code, w.Body.Bytes())
			}
			switch w.Code {
			case 200, 400, 403, 404, 500:
			default:
				t.Fatalf("%s %s: status %d", method, path, w.Code)
			}
		}
		// Nothing may appear beside MLCD_OUT (an escape goes up first).
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("%s %s wrote beside MLCD_OUT: %v", method, path, entries)
		}
	})
}

// FuzzPlainString holds the decoder's fast path to encoding/json.
func FuzzPlainString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `"\u00e9"`, `"é"`, `""`, `"\xff"`, `"a`, "\"\x00\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := plainString(raw)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(raw, &want); err != nil || got != want {
			t.Fatalf("plainString(%q) = %q; json: %q, %v", raw, got, want, err)
		}
	})
}
