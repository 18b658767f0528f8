package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

func TestInitCommand(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "repo")
	var out bytes.Buffer
	if err := runInit(context.Background(), &initOptions{dir: dir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"mlcd.yaml", ".gitignore", ".github/workflows/mlcd.yml", "src/prepare.py", "src/train.py"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("init did not write %s: %v", f, err)
		}
		if !strings.Contains(out.String(), "wrote "+f+"\n") {
			t.Errorf("output does not list %s:\n%s", f, out.String())
		}
	}
	p, err := pipeline.Load(dir)
	if err != nil {
		t.Fatalf("the scaffold's mlcd.yaml does not validate: %v", err)
	}
	if len(p.Tasks) != 2 || p.Task("train").Model == nil || p.Promote == nil {
		t.Errorf("pipeline %s: %d tasks, want prepare -> train with a model and a promote policy", p.Name, len(p.Tasks))
	}
	workflow, err := os.ReadFile(filepath.Join(dir, ".github", "workflows", "mlcd.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mlcd run --once", "mlcd report", "actions/deploy-pages", "mlcd check --github", "mlcd deploy --once", "concurrency:", "permissions: {}",
		"apt-get install -yq python3-sklearn python3-pandas"} {
		if !bytes.Contains(workflow, []byte(want)) {
			t.Errorf("workflow lacks %q", want)
		}
	}
	checkScaffoldAgrees(t, p, workflow)
}

// checkScaffoldAgrees holds the scaffold's mlcd.yaml and workflow to each
// other and to a plain git remote: the gate needs no GitHub, the workflow's
// cron is mlcd.yaml's schedule:, and every job has the permissions its
// mlcd commands use.
func checkScaffoldAgrees(t *testing.T, p *pipeline.Pipeline, workflow []byte) {
	t.Helper()
	if p.Deploy.Require != "merge-commit" {
		t.Errorf("deploy.require %q: a scaffold on a plain git remote needs merge-commit", p.Deploy.Require)
	}
	var wf struct {
		On struct {
			Schedule []struct{ Cron string } `yaml:"schedule"`
		} `yaml:"on"`
		Jobs map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct{ Run string }
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(workflow, &wf); err != nil {
		t.Fatal(err)
	}
	if len(wf.On.Schedule) != 1 || wf.On.Schedule[0].Cron != p.Schedule {
		t.Errorf("workflow cron %+v, mlcd.yaml schedule: %q; want the same", wf.On.Schedule, p.Schedule)
	}
	// What each command does on GitHub: the gate reads pull requests, a
	// refusal or a deploy sets a commit status, check comments.
	needs := map[string]map[string]string{
		"mlcd run --once":     {"contents": "write", "pull-requests": "read", "statuses": "write"},
		"mlcd deploy --once":  {"contents": "write", "pull-requests": "read", "statuses": "write"},
		"mlcd check --github": {"contents": "read", "pull-requests": "write", "statuses": "write"},
	}
	rank := map[string]int{"": 0, "none": 0, "read": 1, "write": 2}
	for name, job := range wf.Jobs {
		for _, step := range job.Steps {
			for cmd, perms := range needs {
				if !strings.Contains(step.Run, cmd) {
					continue
				}
				for scope, level := range perms {
					if rank[job.Permissions[scope]] < rank[level] {
						t.Errorf("job %s runs %s but has %s: %q, want %s", name, cmd, scope, job.Permissions[scope], level)
					}
				}
			}
		}
	}
}

func TestInitCommand_Overwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mine := []byte("pipeline: mine\ntasks:\n  a: {run: echo a}\n")
	if err := os.WriteFile(filepath.Join(dir, "mlcd.yaml"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := runInit(context.Background(), &initOptions{dir: dir}, &out)
	var ierr *inputError
	if !errors.As(err, &ierr) || !strings.Contains(err.Error(), "mlcd.yaml") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("init over an existing mlcd.yaml: %v; want a bad-input error naming mlcd.yaml and --force", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "mlcd.yaml")); !bytes.Equal(got, mine) {
		t.Errorf("mlcd.yaml was changed without --force:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "src")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("init wrote other files although it refused: src: %v", err)
	}
	if err := runInit(context.Background(), &initOptions{dir: dir, force: true}, &out); err != nil {
		t.Fatalf("init --force: %v", err)
	}
	if p, err := pipeline.Load(dir); err != nil || p.Name != "example" {
		t.Errorf("after --force: %v, %v; want the scaffold's pipeline", p, err)
	}
}

// TestInitCommand_SamplePipelineRuns runs the scaffold with mlcd run and
// serves the version it registered with mlcd serve, through flavor sklearn:
// nothing but the files init wrote, and Debian's Python with scikit-learn.
func TestInitCommand_SamplePipelineRuns(t *testing.T) {
	t.Parallel()
	requireSklearn(t)
	dir := t.TempDir()
	if err := runInit(context.Background(), &initOptions{dir: dir}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	// As init says next: git init, then mlcd run, which registers a
	// version of the committed code.
	gittest.Git(t, dir, "init", "-q")
	gittest.Git(t, dir, "add", "-A")
	gittest.Git(t, dir, "commit", "-qm", "mlcd init")
	storeDir := t.TempDir()
	// Debian's Python first: python3 on PATH may be another without scikit-learn.
	env := []string{"MLCD_STORE=" + storeDir, "PATH=" + filepath.Dir(debianPython) + string(os.PathListSeparator) + os.Getenv("PATH")}
	res := runBinary(t, dir, env, "run")
	if res.code != 0 {
		t.Fatalf("mlcd run on the scaffold: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	runs, err := pipeline.ListRuns(dir, "example")
	if err != nil || len(runs) != 1 {
		t.Fatalf("records: %d, %v", len(runs), err)
	}
	train := runs[0].Task("train")
	if r2 := train.Metrics["r2"]; r2 < 0.9 {
		t.Errorf("sample train: r2 = %v, want > 0.9 on its noiseless-enough data", r2)
	}
	if len(train.MetricHistory["train_mse"]) < 2 || train.Output("model.pkl") == nil || train.Output("input_example.json") == nil {
		t.Fatalf("sample train: history %v, outputs %v; want a loss history, model.pkl and input_example.json", train.MetricHistory, train.Outputs)
	}
	v, err := resolveVersion(dir, "example-linear@1")
	if err != nil || v.Flavor != pipeline.FlavorSklearn || v.Artifact.SHA256 != train.Output("model.pkl").SHA256 {
		t.Fatalf("registered version: %+v, %v; want example-linear v1, flavor sklearn, the trained model.pkl", v, err)
	}
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(st.Path(train.Output("input_example.json").SHA256))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(anyPort)
	cmd := exec.Command(mlcdBinary(t), "serve", "example-linear@1", "--repo", dir, "--host", host, "--port", port)
	cmd.Env = append(os.Environ(), env...)
	addr := startProc(t, cmd, anyPort).Addr
	checkSampleServed(t, "http://"+addr, st.Path(train.Output("model.pkl").SHA256), example)
}

// requireSklearn skips the test (fails it under CI=true) when Debian's
// Python lacks scikit-learn or pandas, which the scaffold's train.py and
// mlcd's sklearn workers use.
func requireSklearn(t *testing.T) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import sklearn, pandas").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s with scikit-learn and pandas is needed (apt install python3-sklearn python3-pandas): %v", debianPython, err)
		}
		t.Skipf("no %s with scikit-learn and pandas: %v", debianPython, err)
	}
}

// debianPython is the interpreter of Debian's python3-sklearn.
const debianPython = "/usr/bin/python3"

// checkSampleServed scores the input example and a text/csv request whose
// columns are in another order, wants the model's own predictions for the
// same rows (matched by column name), and a 415 for text/plain.
func checkSampleServed(t *testing.T, base, model string, example []byte) {
	t.Helper()
	var req struct {
		Split struct {
			Columns []string    `json:"columns"`
			Data    [][]float64 `json:"data"`
		} `json:"dataframe_split"`
	}
	if err := json.Unmarshal(example, &req); err != nil || len(req.Split.Data) != 3 {
		t.Fatalf("input_example.json: %v, %s; want a dataframe_split of 3 rows", err, example)
	}
	// The CSV gives x2 before x1: served by name, not by position.
	csv := "x2,x1\n1,2\n0,0\n-0.5,0.25\n"
	rows := append(req.Split.Data, []float64{2, 1}, []float64{0, 0}, []float64{0.25, -0.5})
	want := modelPredictions(t, model, rows)
	for _, tt := range []struct {
		ctype, body string
		want        []float64
	}{
		{"application/json", string(example), want[:3]},
		{"text/csv", csv, want[3:]},
	} {
		got := postPredictions(t, base, tt.ctype, tt.body)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %v, want %d predictions", tt.ctype, got, len(tt.want))
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tt.want[i]) > 1e-9*math.Max(1, math.Abs(tt.want[i])) {
				t.Errorf("%s: prediction %d = %v, model.predict says %v", tt.ctype, i, got[i], tt.want[i])
			}
		}
	}
	resp, err := http.Post(base+"/invocations", "text/plain", strings.NewReader("1,2"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(body), "text/csv") {
		t.Errorf("text/plain: %d %s, want 415 naming the types taken", resp.StatusCode, body)
	}
}

// postPredictions posts body and returns the predictions of a 200 answer.
func postPredictions(t *testing.T, base, ctype, body string) []float64 {
	t.Helper()
	resp, err := http.Post(base+"/invocations", ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var got struct {
		Predictions []float64 `json:"predictions"`
	}
	if err := json.Unmarshal(raw, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s (%v), want 200 and predictions", ctype, resp.StatusCode, raw, err)
	}
	return got.Predictions
}

// modelPredictions is what the pickled model itself predicts for rows of
// x1, x2, computed by scikit-learn in Debian's Python.
func modelPredictions(t *testing.T, model string, rows [][]float64) []float64 {
	t.Helper()
	const script = `import json, pickle, sys
import pandas as pd
with open(sys.argv[1], "rb") as f:
    model = pickle.load(f)
rows = json.load(sys.stdin)
print(json.dumps([float(p) for p in model.predict(pd.DataFrame(rows, columns=["x1", "x2"]))]))
`
	in, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(debianPython, "-c", script, model)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("model.predict in Python: %v", err)
	}
	var preds []float64
	if err := json.Unmarshal(out, &preds); err != nil || len(preds) != len(rows) {
		t.Fatalf("model.predict in Python: %s, %v", out, err)
	}
	return preds
}
