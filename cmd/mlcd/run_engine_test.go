package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/slurmtest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// `mlcd run` of a pipeline with executor: slurm submits it to Slurm and
// records it like a local run, with the job ids.
func TestRunCommand_OnSlurm(t *testing.T) {
	c := slurmtest.Start(t)
	dir := writePipeline(t, `pipeline: p
executor: slurm
tasks:
  a: {run: "echo $MLCD_PARAM_N > $MLCD_OUT/n.txt", memory: 64}
  b: {needs: [a], run: "test \"$(cat $MLCD_IN_A/n.txt)\" = 7"}
`)
	gittest.Git(t, dir, "init", "--quiet", "--initial-branch=main")
	gittest.Git(t, dir, "add", ".")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "pipeline")
	env := append(append(gittest.Env(), c.Env()...), "MLCD_STORE="+t.TempDir())
	res := runBinary(t, dir, env, "run", "--param", "n=7")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s\n%s", res.code, res.stdout, res.stderr, c.Logs())
	}
	if !strings.Contains(res.stdout, "2 tasks submitted to slurm: a=") {
		t.Errorf("output lacks the submitted jobs:\n%s", res.stdout)
	}
	runs, err := pipeline.ListRuns(dir, "p")
	if err != nil || len(runs) != 1 {
		t.Fatalf("records: %d, %v", len(runs), err)
	}
	for _, task := range runs[0].Tasks {
		if task.Status != pipeline.StatusSuccess || task.JobID == "" {
			t.Errorf("%s: %s, job %q", task.Name, task.Status, task.JobID)
		}
	}
	// a dirty tree is refused: the jobs would run the commit without the change
	gittest.Git(t, dir, "rm", "--quiet", "--cached", pipeline.FileName)
	if res := runBinary(t, dir, env, "run"); res.code != 3 || !strings.Contains(res.stderr, "uncommitted changes") {
		t.Errorf("dirty tree: exit %d, %q", res.code, res.stderr)
	}
}

// `mlcd run --once` (the controller) honours executor: slurm: the tasks
// run as jobs of the mlcd binary itself, and the pushed record has their
// job ids.
func TestRunOnce_OnSlurm(t *testing.T) {
	c := slurmtest.Start(t)
	bare := gittest.NewBare(t)
	person := gittest.Person(t, bare)
	person.Write("mlcd.yaml", `pipeline: p
executor: slurm
tasks:
  a: {run: "echo 7 > $MLCD_OUT/n.txt"}
  b: {needs: [a], run: "test \"$(cat $MLCD_IN_A/n.txt)\" = 7"}
`)
	person.Commit("pipeline")
	person.Push()
	env := append(gittest.Env(), c.Env()...)
	res := runBinary(t, t.TempDir(), env, "run", "--once", "--repo", bare, "--state", t.TempDir())
	if res.code != 0 || !strings.Contains(res.stdout, ": success, recorded in runs/p/") {
		t.Fatalf("exit %d\n%s\n%s\n%s", res.code, res.stdout, res.stderr, c.Logs())
	}
	names := strings.Fields(gittest.Git(t, bare, "ls-tree", "-r", "--name-only", "main", "runs/p/"))
	if len(names) != 1 {
		t.Fatalf("records on the branch: %v, want 1", names)
	}
	var r pipeline.Run
	if err := json.Unmarshal([]byte(gittest.Git(t, bare, "show", "main:"+names[0])), &r); err != nil {
		t.Fatalf("record %s: %v", names[0], err)
	}
	if len(r.Tasks) != 2 {
		t.Fatalf("record %s has %d tasks, want 2", names[0], len(r.Tasks))
	}
	for _, task := range r.Tasks {
		if task.Status != pipeline.StatusSuccess || task.JobID == "" {
			t.Errorf("%s: %s, job %q; want success on a Slurm job", task.Name, task.Status, task.JobID)
		}
	}
}
