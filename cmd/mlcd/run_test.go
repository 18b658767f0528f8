package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// mlcdBinary builds this command once per test binary: shell tasks call
// `mlcd log`, which needs a real executable.
func mlcdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mlcd-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "mlcd")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build mlcd: %v", buildErr)
	}
	return builtBin
}

// copyDir copies the files of src into a new temporary folder.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

type result struct {
	code   int
	stdout string
	stderr string
}

func runBinary(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(mlcdBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
}

func TestRunCommand_Quickstart(t *testing.T) {
	t.Parallel()
	dir := copyDir(t, filepath.Join("..", "..", "examples", "quickstart"))
	env := []string{"MLCD_STORE=" + t.TempDir()}
	first := runBinary(t, dir, env, "run")
	if first.code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	for _, want := range []string{"[evaluate] best model: large", "(5 tasks, 0 cached)", "train_large (quickstart-large)", "record: "} {
		if !strings.Contains(first.stdout, want) {
			t.Errorf("first run output lacks %q:\n%s", want, first.stdout)
		}
	}
	second := runBinary(t, dir, env, "run", ".")
	if second.code != 0 || !strings.Contains(second.stdout, "(5 tasks, 5 cached)") {
		t.Fatalf("second run: exit %d, want every task cached:\n%s\n%s", second.code, second.stdout, second.stderr)
	}
	runs, err := pipeline.ListRuns(dir, "quickstart")
	if err != nil || len(runs) != 2 {
		t.Fatalf("records: %d, %v", len(runs), err)
	}
	// mlcd log from a shell task: params, tags and the loss history.
	for _, r := range runs {
		train := r.Task("train_medium")
		hist := train.MetricHistory["loss"]
		if len(hist) != 5 || hist[0].Step != 1 || hist[4].Step != 5 {
			t.Errorf("run %s: loss history %+v, want steps 1..5", r.ID, hist)
		}
		if train.Params["depth"] != 4.0 || train.Tags["size"] != "medium" || train.Metrics["accuracy"] == 0 {
			t.Errorf("run %s: params %v tags %v metrics %v", r.ID, train.Params, train.Tags, train.Metrics)
		}
		if train.Model == nil || train.Model.Name != "quickstart-medium" {
			t.Errorf("model spec %+v", train.Model)
		}
	}
}

func writePipeline(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, pipeline.FileName), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunCommand_ExitCodes(t *testing.T) {
	t.Parallel()
	good := "pipeline: p\ntasks:\n  a: {run: \"echo $MLCD_PARAM_N\"}\n  b: {run: \"true\", needs: [a]}\n"
	tests := []struct {
		name, yaml string
		args       []string
		code       int
		stderr     string
	}{
		{"success", good, []string{"run", "--param", "n=3", "-j", "1"}, 0, ""},
		{"one task", good, []string{"run", "--task", "a"}, 0, ""},
		{"failed task", "pipeline: p\ntasks:\n  a: {run: \"exit 2\"}\n", []string{"run"}, 1, "run "},
		{"invalid yaml", "pipeline: p\ntasks:\n  a: {run: \"true\", needs: [zz]}\n", []string{"run"}, 3, "mlcd.yaml:3:"},
		{"no mlcd.yaml", "", []string{"run", "missing"}, 3, "not found"},
		{"bad param", good, []string{"run", "--param", "novalue"}, 3, "KEY=VALUE"},
		{"unknown task", good, []string{"run", "--task", "zz"}, 3, `"zz"`},
		{"bad jobs", good, []string{"run", "--jobs", "-1"}, 3, "--jobs -1"},
		{"bad flag", good, []string{"run", "--colour"}, 3, "unknown flag"},
		{"two dirs", good, []string{"run", "a", "b"}, 3, "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.yaml != "" {
				dir = writePipeline(t, tt.yaml)
			}
			res := runBinary(t, dir, []string{"MLCD_STORE=" + t.TempDir()}, tt.args...)
			if res.code != tt.code || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q\nstdout:\n%s", res.code, res.stderr, tt.code, tt.stderr, res.stdout)
			}
		})
	}
}

func TestRunCommand_Interrupt(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "started")
	dir := writePipeline(t, "pipeline: p\ntasks:\n  long: {run: \"touch "+marker+"; sleep 100\"}\n  after: {run: \"true\", needs: [long]}\n")
	cmd := exec.Command(mlcdBinary(t), "run")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MLCD_STORE="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, err := os.Stat(marker); err != nil; _, err = os.Stat(marker) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the task never started:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, out.String())
	}
	runs, err := pipeline.ListRuns(dir, "p")
	if err != nil || len(runs) != 1 {
		t.Fatalf("records: %v, %v", runs, err)
	}
	if r := runs[0]; r.Status != pipeline.StatusCancelled || r.Task("long").Status != pipeline.StatusCancelled || r.Task("after").Status != pipeline.StatusCancelled {
		t.Errorf("record: run %s, long %s, after %s", r.Status, r.Task("long").Status, r.Task("after").Status)
	}
}

func TestRunRun_InProcess(t *testing.T) {
	dir := writePipeline(t, "pipeline: p\nparams: {n: 1}\ntasks:\n  a:\n    run: \"echo hello $MLCD_PARAM_N; echo '{\\\"f1\\\": 0.5}' > $MLCD_OUT/metrics.json\"\n    model: {name: m, file: metrics.json, flavor: xgboost}\n")
	t.Setenv("MLCD_STORE", t.TempDir())
	var out, errb bytes.Buffer
	opts := &globalOptions{stdout: &out, stderr: &errb}
	root := newRootCommand(opts)
	root.SetArgs([]string{"run", dir, "--param", "n=7"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{"[a] hello 7\n", "a (m)  f1=0.5", "record: " + filepath.Join(dir, "runs", "p")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLogCommand(t *testing.T) {
	t.Setenv(executor.EnvLogFile, "")
	var out bytes.Buffer
	root := newRootCommand(&globalOptions{stdout: &out, stderr: &out})
	root.SetArgs([]string{"log", "metric", "loss", "0.5"})
	err := root.Execute()
	if exitCode(err) != exitBadInput || !strings.Contains(err.Error(), "not inside an mlcd task") {
		t.Errorf("outside a task: exit %d, err %v", exitCode(err), err)
	}

	logFile := filepath.Join(t.TempDir(), "log.jsonl")
	t.Setenv(executor.EnvLogFile, logFile)
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"log", "metric", "loss", "0.5", "--step", "3"}, exitOK},
		{[]string{"log", "metric", "loss", "0.25"}, exitOK},
		{[]string{"log", "param", "depth", "8"}, exitOK},
		{[]string{"log", "tag", "size", "large"}, exitOK},
		{[]string{"log", "metric", "loss", "high"}, exitBadInput},
		{[]string{"log", "metric", "loss"}, exitBadInput},
		{[]string{"log", "tag", "a", "b", "--step", "1"}, exitBadInput},
	}
	for _, tt := range tests {
		root := newRootCommand(&globalOptions{stdout: &out, stderr: &out})
		root.SetArgs(tt.args)
		if code := exitCode(root.Execute()); code != tt.code {
			t.Errorf("mlcd %s: exit %d, want %d", strings.Join(tt.args, " "), code, tt.code)
		}
	}
	data, _ := os.ReadFile(logFile)
	if lines := strings.Count(string(data), "\n"); lines != 4 {
		t.Errorf("%d lines logged, want 4:\n%s", lines, data)
	}
	if !strings.Contains(string(data), `"step":3`) {
		t.Errorf("step not logged:\n%s", data)
	}
}

func TestGitInfo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if g := gitInfo(ctx, t.TempDir()); g != nil {
		t.Errorf("outside a repository: %+v", g)
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "mlcd.yaml"), []byte("x"), 0o644)
	git("add", ".")
	git("commit", "-q", "-m", "first")
	os.MkdirAll(filepath.Join(dir, "runs", "p"), 0o755)
	os.WriteFile(filepath.Join(dir, "runs", "p", "r.json"), []byte("{}"), 0o644)
	g := gitInfo(ctx, dir)
	if g == nil || len(g.Commit) != 40 || g.Branch != "main" || g.Dirty {
		t.Fatalf("clean tree with a new record: %+v", g)
	}
	os.WriteFile(filepath.Join(dir, "mlcd.yaml"), []byte("y"), 0o644)
	if g := gitInfo(ctx, dir); g == nil || !g.Dirty {
		t.Errorf("changed mlcd.yaml: %+v", g)
	}
}

// A local run registers its new versions in the working tree as the
// controller does (registry.Register: same numbering, same files), says
// what it wrote and how to commit it; a cached model task registers
// nothing.
func TestRunCommand_RegistersLocally(t *testing.T) {
	dir := writePipeline(t, "pipeline: p\nparams: {n: 1}\ntasks:\n  a:\n    run: \"echo \\\"{\\\\\\\"f1\\\\\\\": 0.$MLCD_PARAM_N}\\\" > $MLCD_OUT/metrics.json\"\n    model: {name: m, file: metrics.json, flavor: xgboost}\n")
	gittest.Git(t, dir, "init", "-q")
	gittest.Git(t, dir, "add", "mlcd.yaml")
	gittest.Git(t, dir, "-c", "user.name=Dana", "-c", "user.email=dana@example.com", "commit", "-qm", "the pipeline")
	t.Setenv("MLCD_STORE", t.TempDir())
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		root := newRootCommand(&globalOptions{stdout: &out, stderr: &errb})
		root.SetArgs(append([]string{"run", dir}, args...))
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
		}
		return out.String()
	}
	first := run()
	v1 := filepath.Join(dir, "models", "m", "v1.yaml")
	runs, err := pipeline.ListRuns(dir, "p")
	if err != nil || len(runs) != 1 {
		t.Fatalf("records: %d, %v", len(runs), err)
	}
	for _, want := range []string{"registered: m v1 (stage None) in " + v1, "git add " + pipeline.RunPath(dir, "p", runs[0].ID), v1 + " && git commit -m 'mlcd: record run " + runs[0].ID + "'"} {
		if !strings.Contains(first, want) {
			t.Errorf("first run's output lacks %q:\n%s", want, first)
		}
	}
	// What the controller would have written on the branch for this run
	// (the record read back has its params as JSON numbers: compare the rest).
	files, _, err := registry.Register(nil, runs[0])
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(v1)
	if err != nil {
		t.Fatal(err)
	}
	if strip := func(b []byte) string { return regexp.MustCompile(`(?m)^  "n": .*$`).ReplaceAllString(string(b), "") }; strip(got) != strip(files["models/m/v1.yaml"]) {
		t.Errorf("models/m/v1.yaml =\n%s\nwant registry.Register's\n%s", got, files["models/m/v1.yaml"])
	}
	if head := gittest.Git(t, dir, "rev-parse", "HEAD"); !strings.Contains(string(got), head) {
		t.Errorf("models/m/v1.yaml does not name the commit %s:\n%s", head, got)
	}

	if again := run(); !strings.Contains(again, "registered: no new version") {
		t.Errorf("a cached run's output:\n%s", again)
	}
	if third := run("--param", "n=7"); !strings.Contains(third, "registered: m v2 (stage None)") {
		t.Errorf("a run with a new model file:\n%s", third)
	}
	reg, err := registry.LoadDir(dir)
	if err != nil || reg.Model("m") == nil || len(reg.Model("m").Versions) != 2 {
		t.Fatalf("registry after three runs: %v, %v; want m v1 and v2", reg, err)
	}
}
