package controller

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
	"github.com/mlcd-dev/mlcd/internal/slurmtest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

const slurmPipeline = `version: 1
pipeline: demo
executor: slurm
tasks:
  prepare:
    run: cp src/seed "$MLCD_OUT/data.txt"
    inputs: ["src/*"]
  train:
    needs: [prepare]
    run: 'cat "$MLCD_IN_PREPARE/data.txt" > "$MLCD_OUT/model.json" && echo "{\"f1\": 0.5}" > "$MLCD_OUT/metrics.json"'
    model: {name: demo-model, file: model.json, flavor: xgboost}
`

func buildMlcd(t *testing.T) string {
	t.Helper()
	return proctest.BuildMlcd(t, filepath.Join(t.TempDir(), "mlcd"))
}

// The controller runs pipelines with executor: slurm on a real
// single-node cluster (one for both tests: a cluster takes seconds to
// start).
func TestController_OnSlurm(t *testing.T) {
	cluster := slurmtest.Start(t)
	mlcd := buildMlcd(t)
	t.Run("once", func(t *testing.T) { testOnceOnSlurm(t, cluster, mlcd) })
	t.Run("cancel", func(t *testing.T) { testCancelOnSlurm(t, cluster, mlcd) })
	t.Run("cancel while submitting", func(t *testing.T) { testCancelWhileSubmitting(t, cluster, mlcd) })
	t.Run("adopt", func(t *testing.T) { testAdoptOnSlurm(t, cluster, mlcd) })
}

// A pipeline with executor: slurm runs as Slurm jobs when the controller
// decides the run: the record, assembled from the jobs' results, is
// pushed by the bot with each task's job id, and the model is registered.
func testOnceOnSlurm(t *testing.T, cluster *slurmtest.Cluster, mlcd string) {
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", slurmPipeline)
	p.Write("src/seed", "one\n")
	p.Commit("add the pipeline")
	p.Push()
	c := newController(t, bare, func(cfg *Config) {
		cfg.Env = append(cluster.Env(), gittest.Env()...)
		cfg.Mlcd = mlcd
	})
	ctx := context.Background()
	r, err := c.Once(ctx)
	if err != nil {
		t.Fatalf("Once: %v\n%s", err, cluster.Logs())
	}
	if r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("run = %+v, want a successful run\n%s", r, cluster.Logs())
	}
	rec, ok := remoteFile(t, bare, pipeline.RunRelPath("demo", r.ID))
	if !ok || !strings.Contains(rec, `"status": "success"`) {
		t.Fatalf("record of %s on the remote = %q, %v", r.ID, rec, ok)
	}
	for _, task := range r.Tasks {
		if task.Status != pipeline.StatusSuccess || task.JobID == "" {
			t.Errorf("task %s: %s, job %q; want success on a Slurm job", task.Name, task.Status, task.JobID)
		}
		if !strings.Contains(rec, `"job_id": "`+task.JobID+`"`) {
			t.Errorf("the pushed record lacks %s's job id %s", task.Name, task.JobID)
		}
	}
	if v, ok := remoteFile(t, bare, "models/demo-model/v1.yaml"); !ok || !strings.Contains(v, "stage: None") {
		t.Errorf("version 1 on the remote = %q, %v; want a registered version", v, ok)
	}
	msg := gittest.Git(t, bare, "log", "-1", "--format=%s", "main")
	if want := "mlcd: record run " + r.ID + " (success)"; strings.TrimSpace(msg) != want {
		t.Errorf("bot commit = %q, want %q", msg, want)
	}
}

// Cancelling the controller's run cancels its Slurm jobs: the record says
// cancelled, the job that was running left a cancelled result.
func testCancelOnSlurm(t *testing.T, cluster *slurmtest.Cluster, mlcd string) {
	started := filepath.Join(t.TempDir(), "started")
	c := slowOnSlurm(t, cluster, mlcd, `touch "$STARTED"; sleep 600`, "STARTED="+started)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for !fileExists(started) {
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
	}()
	r, err := c.Once(ctx)
	if err == nil {
		t.Fatal("Once of a cancelled run: no error")
	}
	if r == nil || r.Status != pipeline.StatusCancelled {
		t.Fatalf("run = %+v, want a cancelled run\n%s", r, cluster.Logs())
	}
	for _, task := range r.Tasks {
		if task.Status != pipeline.StatusCancelled || task.JobID == "" {
			t.Errorf("task %s: %s, job %q; want cancelled, with its job", task.Name, task.Status, task.JobID)
		}
	}
}

// slowOnSlurm is a controller of a new repository whose pipeline runs on
// cluster: a task "wait" that runs wait, and a task "after" that needs
// it. env is added to the tasks' environment.
func slowOnSlurm(t *testing.T, cluster *slurmtest.Cluster, mlcd, wait string, env ...string) *Controller {
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", fmt.Sprintf(`version: 1
pipeline: slow
executor: slurm
tasks:
  wait: {run: %q}
  after: {needs: [wait], run: "true"}
`, wait))
	p.Commit("a slow pipeline")
	p.Push()
	return newController(t, bare, func(cfg *Config) {
		cfg.Env = append(append(cluster.Env(), gittest.Env()...), env...)
		cfg.Mlcd = mlcd
	})
}

// Cancelled while it submits its tasks (the first task's job may start
// before the last task is submitted), the run is recorded as cancelled,
// not failed with the error of the submission that was killed. Here the
// second sbatch waits until the run is cancelled.
func testCancelWhileSubmitting(t *testing.T, cluster *slurmtest.Cluster, mlcd string) {
	sbatch, err := exec.LookPath("sbatch")
	if err != nil {
		t.Fatal(err)
	}
	bin, marks := t.TempDir(), t.TempDir()
	// Written by a child process: a descriptor open for writing in this
	// process could reach a child forked meanwhile and make the exec of
	// the script fail (ETXTBSY).
	script := `#!/bin/sh
if [ -e "$SUBMITS/first" ]; then touch "$SUBMITS/second"; exec sleep 600; fi
touch "$SUBMITS/first"
exec ` + sbatch + ` "$@"
`
	write := exec.Command("sh", "-c", `cat > "$1" && chmod +x "$1"`, "sh", filepath.Join(bin, "sbatch"))
	write.Stdin = strings.NewReader(script)
	if out, err := write.CombinedOutput(); err != nil {
		t.Fatalf("write the sbatch that waits: %v\n%s", err, out)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	c := slowOnSlurm(t, cluster, mlcd, "sleep 600", "SUBMITS="+marks)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for !fileExists(filepath.Join(marks, "second")) {
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		cancel()
	}()
	r, err := c.Once(ctx)
	if err == nil {
		t.Fatal("Once of a run cancelled while submitting: no error")
	}
	if r == nil || r.Status != pipeline.StatusCancelled {
		t.Fatalf("run = %+v, want a cancelled run\n%s", r, cluster.Logs())
	}
}

// A controller killed during a run on Slurm leaves its jobs running: the
// next one follows them to their end and records that run, without
// submitting its tasks again.
func testAdoptOnSlurm(t *testing.T, cluster *slurmtest.Cluster, mlcd string) {
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", `version: 1
pipeline: adopted
executor: slurm
tasks:
  wait: {run: 'echo wait >> "$COUNT"; touch "$STARTED"; while [ ! -e "$GO" ]; do sleep 0.1; done'}
  after: {needs: [wait], run: 'echo after >> "$COUNT"'}
`)
	p.Commit("a pipeline that waits for a file")
	p.Push()
	tmp := t.TempDir()
	count, started, goOn := filepath.Join(tmp, "count"), filepath.Join(tmp, "started"), filepath.Join(tmp, "go")
	taskEnv := []string{"COUNT=" + count, "STARTED=" + started, "GO=" + goOn}
	state, store := t.TempDir(), t.TempDir()

	first := exec.Command(mlcd, "run", "--once", "--repo", bare, "--state", state, "--store", store)
	first.Env = append(append(append(os.Environ(), cluster.Env()...), gittest.Env()...), taskEnv...)
	var out strings.Builder
	first.Stdout, first.Stderr = &out, &out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); !fileExists(started); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = first.Process.Kill()
			t.Fatalf("the task never started\n%s\n%s", &out, cluster.Logs())
		}
	}
	_ = first.Process.Kill() // no chance to cancel anything
	_ = first.Wait()
	kept, err := filepath.Glob(filepath.Join(state, "records", "*.json"))
	if err != nil || len(kept) != 1 {
		t.Fatalf("kept records: %v, %v; want the run in progress", kept, err)
	}
	runID := strings.TrimSuffix(filepath.Base(kept[0]), ".json")
	if err := os.WriteFile(goOn, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	c := newController(t, bare, func(cfg *Config) {
		cfg.StateDir, cfg.Store = state, store
		cfg.Env = append(append(cluster.Env(), gittest.Env()...), taskEnv...)
		cfg.Mlcd = mlcd
	})
	r, err := c.Once(context.Background())
	if err != nil {
		t.Fatalf("Once after the kill: %v\n%s", err, cluster.Logs())
	}
	if r == nil || r.ID != runID || r.Status != pipeline.StatusSuccess {
		t.Fatalf("run = %+v; want run %s, followed to its success", r, runID)
	}
	for _, task := range r.Tasks {
		if task.Status != pipeline.StatusSuccess || task.JobID == "" {
			t.Errorf("task %s: %s, job %q; want success on its Slurm job", task.Name, task.Status, task.JobID)
		}
	}
	if data, _ := os.ReadFile(count); string(data) != "wait\nafter\n" {
		t.Errorf("the tasks ran %q; want each once", data)
	}
	if rec, ok := remoteFile(t, bare, pipeline.RunRelPath("adopted", runID)); !ok || !strings.Contains(rec, `"status": "success"`) {
		t.Errorf("record of %s on the remote = %q, %v", runID, rec, ok)
	}
	if left, _ := filepath.Glob(filepath.Join(state, "jobs", "*")); len(left) != 0 {
		t.Errorf("job ids kept after the run ended: %v", left)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// The jobs' checkout is a git checkout of the commit (what
// `mlcd task exec` checks), reused by the runs of that commit and
// replaced when it was changed or another commit runs.
func TestController_JobCheckout(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	c := newController(t, bare, nil)
	ctx := context.Background()
	first, err := c.repo.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := c.jobCheckout(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if head := strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "HEAD")); head != first {
		t.Fatalf("checkout at %s, want %s", head, first)
	}
	marker := filepath.Join(dir, ".git", "marker")
	if err := writeFile(dir, ".git/marker", "x"); err != nil {
		t.Fatal(err)
	}
	if again, err := c.jobCheckout(ctx, first); err != nil || again != dir || !fileExists(marker) {
		t.Errorf("second checkout of the same commit: %s, %v, reused %v; want %s reused", again, err, fileExists(marker), dir)
	}
	// a task that edited a tracked file leaves a checkout that is not the commit's
	if err := writeFile(dir, "src/seed", "edited\n"); err != nil {
		t.Fatal(err)
	}
	if again, err := c.jobCheckout(ctx, first); err != nil || fileExists(marker) {
		t.Errorf("checkout after an edit: %s, %v; want a fresh clone", again, err)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "src", "seed")); string(data) != "one\n" {
		t.Errorf("src/seed in the new checkout = %q, %v; want the commit's", data, err)
	}
	person.Write("src/seed", "two\n")
	person.Commit("new data")
	person.Push()
	second, err := c.repo.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.jobCheckout(ctx, second)
	if err != nil || other == dir || fileExists(dir) {
		t.Errorf("checkout of the next commit: %s, %v; the old one still there: %v", other, err, fileExists(dir))
	}
}
