package sklearn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

const python = "/usr/bin/python3"

var (
	trainOnce sync.Once
	trainDir  string
	trainErr  error
)

// trained returns the folder of the models testdata/train.py trains (once
// per test binary), or skips the test when Debian's python3-sklearn is
// missing (fails under CI=true).
func trained(t *testing.T) string {
	t.Helper()
	trainOnce.Do(func() {
		if err := exec.Command(python, "-c", "import sklearn, joblib, pandas").Run(); err != nil {
			trainErr = fmt.Errorf("%s with sklearn, joblib and pandas is needed (apt install python3-sklearn python3-pandas): %v", python, err)
			return
		}
		trainDir, trainErr = os.MkdirTemp("", "mlcd-sklearn-models-")
		if trainErr != nil {
			return
		}
		cmd := exec.Command(python, "train.py", trainDir)
		cmd.Dir = "testdata"
		if out, err := cmd.CombinedOutput(); err != nil {
			trainErr = fmt.Errorf("train models: %v\n%s", err, out)
		}
	})
	if trainErr != nil {
		if os.Getenv("CI") == "true" || !strings.Contains(trainErr.Error(), "is needed") {
			t.Fatal(trainErr)
		}
		t.Skip(trainErr)
	}
	return trainDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if trainDir != "" {
		os.RemoveAll(trainDir)
	}
	os.Exit(code)
}

// expected is what the models predict on rows.json, by sklearn itself.
type expected struct {
	Predict      []float64   `json:"predict"`
	PredictProba [][]float64 `json:"predict_proba"`
	Classes      []float64   `json:"classes"`
	Ridge        []float64   `json:"ridge"`
	Labels       []string    `json:"labels"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// serving starts the model file name of the trained folder with cfg and
// serves it over real HTTP on loopback.
func serving(t *testing.T, name string, cfg Config) (*Model, *httptest.Server) {
	t.Helper()
	dir := trained(t)
	cfg.Model = filepath.Join(dir, name)
	cfg.Python = python
	if cfg.Dir == "" {
		cfg.Dir, _ = filepath.Abs("testdata")
	}
	if cfg.Workers == 0 {
		cfg.Workers = 1
	}
	cfg.MinBackoff = 10 * time.Millisecond
	m, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	srv := httptest.NewServer(scoring.Handler(m, scoring.Options{}))
	t.Cleanup(srv.Close)
	return m, srv
}

// post sends a dataframe_split of rows with columns and returns the
// status and body.
func post(t *testing.T, url string, columns []string, rows [][]float64) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"dataframe_split": map[string]any{"columns": columns, "data": rows}})
	resp, err := http.Post(url+"/invocations", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// predictions decodes {"predictions": [...]}.
func predictions[T any](t *testing.T, body string) []T {
	t.Helper()
	var out struct {
		Predictions []T `json:"predictions"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	return out.Predictions
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var columns = []string{"a", "b", "c", "d", "e"}
