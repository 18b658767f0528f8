package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

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
	for _, f := range []string{"mlcd.yaml", ".gitignore", ".github/workflows/mlcd.yml", "src/prepare.py", "src/train.py", "src/serve.py"} {
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
	for _, want := range []string{"mlcd run --once", "mlcd report", "actions/deploy-pages", "mlcd check --github", "mlcd deploy --once", "concurrency:", "permissions: {}"} {
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

// TestInitCommand_SamplePipelineRuns runs the scaffold with mlcd run: the
// sample tasks need nothing but Python 3's standard library.
func TestInitCommand_SamplePipelineRuns(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 is needed to run the scaffold's sample task: %v", err)
		}
		t.Skip("no python3 on PATH")
	}
	dir := t.TempDir()
	if err := runInit(context.Background(), &initOptions{dir: dir}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	storeDir := t.TempDir()
	env := []string{"MLCD_STORE=" + storeDir, "PATH=" + filepath.Dir(py) + string(os.PathListSeparator) + os.Getenv("PATH")}
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
	if len(train.MetricHistory["train_mse"]) < 2 || train.Output("model.json") == nil || train.Output("input_example.json") == nil {
		t.Fatalf("sample train: history %v, outputs %v; want a loss history, model.json and input_example.json", train.MetricHistory, train.Outputs)
	}
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(st.Path(train.Output("input_example.json").SHA256))
	if err != nil {
		t.Fatal(err)
	}
	base := startSampleServer(t, py, dir, st.Path(train.Output("model.json").SHA256))
	resp, err := http.Post(base+"/invocations", "application/json", bytes.NewReader(example))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Predictions []float64 `json:"predictions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK || len(got.Predictions) != 3 {
		t.Errorf("sample serve.py on input_example.json: %d, %v, %v; want 200 and 3 predictions", resp.StatusCode, got.Predictions, err)
	}
	checkSampleServerProtocol(t, base, got.Predictions)
}

// checkSampleServerProtocol: the sample server takes text/csv as the
// scoring protocol does, refuses other types with 415, and /version is the
// server's version, not a model name.
func checkSampleServerProtocol(t *testing.T, base string, want []float64) {
	t.Helper()
	resp, err := http.Post(base+"/invocations", "text/csv", strings.NewReader("x2,x1\n1,2\n0,0\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Predictions []float64 `json:"predictions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(got.Predictions) != 2 || got.Predictions[0] == got.Predictions[1] {
		t.Errorf("text/csv: %d, %v, %v; want 200 and two different predictions", resp.StatusCode, got.Predictions, err)
	}
	resp, err = http.Post(base+"/invocations", "text/plain", strings.NewReader("1,2"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d, want 415", resp.StatusCode)
	}
	resp, err = http.Get(base + "/version")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(v), "example-linear") || len(v) == 0 {
		t.Errorf("/version answered %q; want the server's version", v)
	}
}

// startSampleServer runs the scaffold's src/serve.py on a free port and
// waits until it answers /ping.
func startSampleServer(t *testing.T, py, dir, model string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, py, "src/serve.py", "--model", model, "--port", strconv.Itoa(port))
	cmd.Dir = dir
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/ping"); err == nil {
			resp.Body.Close()
			return base
		}
	}
	t.Fatalf("sample serve.py did not answer /ping in 30s\n%s", logs.String())
	return ""
}
