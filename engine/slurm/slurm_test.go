package slurm

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
	"github.com/mlcd-dev/mlcd/internal/slurmtest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// setup is a checkout holding yaml, committed, a store, the plan of a new
// run in it, and an mlcd binary for the jobs.
type setup struct {
	sub engine.Submission
	st  *store.Local
	eng *Engine
}

func newSetup(t *testing.T, c *slurmtest.Cluster, mlcd, yaml string) *setup {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	gittest.Git(t, "", "init", "--quiet", "--initial-branch=main", dir)
	if err := os.WriteFile(filepath.Join(dir, pipeline.FileName), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	gittest.Git(t, dir, "add", ".")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "pipeline")
	head := gittest.Git(t, dir, "rev-parse", "HEAD")
	p, err := pipeline.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	storeDir := t.TempDir()
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	pl := engine.NewPlan(p, []byte(yaml), head, "main", pipeline.Trigger{}, nil)
	if err := engine.WritePlan(context.Background(), st, pl); err != nil {
		t.Fatal(err)
	}
	return &setup{
		sub: engine.Submission{Plan: pl, Pipeline: p, Dir: dir, Store: storeDir, Mlcd: mlcd},
		st:  st,
		eng: &Engine{Env: append(c.Env(), gittest.Env()...), LogDir: t.TempDir()},
	}
}

func buildMlcd(t *testing.T) string {
	t.Helper()
	return proctest.BuildMlcd(t, filepath.Join(t.TempDir(), "mlcd"))
}

// One cluster for the package's tests: they run one after the other.
func TestEngine_OnSlurm(t *testing.T) {
	c := slurmtest.Start(t)
	mlcd := buildMlcd(t)
	t.Run("fan-in and a failure", func(t *testing.T) { testDAG(t, c, mlcd) })
	t.Run("cancel", func(t *testing.T) { testCancel(t, c, mlcd) })
}

const dag = `pipeline: p
defaults: {timeout: 5m}
tasks:
  prep: {run: "echo data > $MLCD_OUT/data.txt", cpus: 1, memory: 64}
  left: {needs: [prep], run: "cat $MLCD_IN_PREP/data.txt > $MLCD_OUT/l.txt"}
  right: {needs: [prep], run: "echo right > $MLCD_OUT/r.txt"}
  join: {needs: [left, right], run: "cat $MLCD_IN_LEFT/l.txt $MLCD_IN_RIGHT/r.txt > $MLCD_OUT/joined.txt"}
  bad: {run: "exit 3"}
  after_bad: {needs: [bad], run: "touch $MLCD_OUT/ran"}
  cleanup: {needs: [bad], run: "touch $MLCD_OUT/ran", trigger_rule: all_done}
`

func testDAG(t *testing.T, c *slurmtest.Cluster, mlcd string) {
	s := newSetup(t, c, mlcd, dag)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := engine.Run(ctx, s.eng, s.st, s.sub, engine.RunOptions{Poll: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, c.Logs())
	}
	want := map[string]pipeline.Status{
		"prep": pipeline.StatusSuccess, "left": pipeline.StatusSuccess, "right": pipeline.StatusSuccess, "join": pipeline.StatusSuccess,
		"bad": pipeline.StatusFailed, "after_bad": pipeline.StatusUpstreamFailed, "cleanup": pipeline.StatusSuccess,
	}
	ids := map[string]bool{}
	for _, task := range r.Tasks {
		if task.Status != want[task.Name] {
			t.Errorf("%s: %s (%s), want %s", task.Name, task.Status, task.Error, want[task.Name])
		}
		if task.JobID == "" || ids[task.JobID] {
			t.Errorf("%s: job id %q, want one of its own", task.Name, task.JobID)
		}
		ids[task.JobID] = true
	}
	if r.Status != pipeline.StatusFailed {
		t.Errorf("run %s, want failed", r.Status)
	}
	if a := r.Task("after_bad"); len(a.Attempts) != 0 || len(a.Outputs) != 0 {
		t.Errorf("after_bad ran: %+v", a)
	}
	join := r.Task("join")
	// the job wrote its own id ($SLURM_JOB_ID) into the task's result
	if res, err := engine.ReadResult(context.Background(), s.st, s.sub.Plan, "join"); err != nil || res.JobID == "" || res.JobID != join.JobID {
		t.Errorf("join's result: %+v, %v; want the job id %q", res, err, join.JobID)
	}
	if len(join.Outputs) != 1 {
		t.Fatalf("join outputs %v", join.Outputs)
	}
	data, err := os.ReadFile(s.st.Path(join.Outputs[0].SHA256))
	if err != nil || string(data) != "data\nright\n" {
		t.Errorf("join read %q, %v; want both upstreams' outputs", data, err)
	}
	if bad := r.Task("bad"); len(bad.Attempts) != 1 || bad.Attempts[0].ExitCode != 3 {
		t.Errorf("bad: %+v", bad.Attempts)
	}
	// the resources and timeout reached Slurm: prep asked for 1 cpu and 64 MB, 5m -> --time=6
	job, err := c.Command(context.Background(), "scontrol", "-o", "show", "job", r.Task("prep").JobID)
	for _, want := range []string{"NumCPUs=1", "MinMemoryNode=64M", "TimeLimit=00:06:00", "JobName=mlcd-p-prep"} {
		if err != nil || !strings.Contains(job, want) {
			t.Errorf("prep's job lacks %s: %v\n%s", want, err, job)
		}
	}
}

func testCancel(t *testing.T, c *slurmtest.Cluster, mlcd string) {
	started := filepath.Join(t.TempDir(), "started")
	s := newSetup(t, c, mlcd, `pipeline: p
tasks:
  long: {run: "echo $$ > `+started+`.tmp && mv `+started+`.tmp `+started+` && sleep 300"}
  after: {needs: [long], run: "true"}
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			if _, err := os.Stat(started); err == nil {
				cancel()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	var jobs engine.Jobs
	r, err := engine.Run(ctx, s.eng, s.st, s.sub, engine.RunOptions{Poll: 200 * time.Millisecond, OnSubmit: func(j engine.Jobs) { jobs = j }})
	if !errors.Is(err, context.Canceled) || r == nil {
		t.Fatalf("run: %v, record %v; want a record and context.Canceled", err, r)
	}
	if r.Status != pipeline.StatusCancelled {
		t.Errorf("run %s, want cancelled", r.Status)
	}
	for _, task := range r.Tasks {
		if task.Status != pipeline.StatusCancelled {
			t.Errorf("%s: %s (%s), want cancelled", task.Name, task.Status, task.Error)
		}
	}
	out, err := c.Command(context.Background(), "squeue", "--noheader", "--states=all", "--jobs="+jobs["long"]+","+jobs["after"], "--format=%T")
	if err != nil || strings.Count(out, "CANCELLED") != 2 {
		t.Errorf("squeue: %q, %v; want both jobs cancelled by scancel", out, err)
	}
	pid, _ := os.ReadFile(started)
	if _, err := os.Stat("/proc/" + strings.TrimSpace(string(pid))); err == nil {
		t.Errorf("the task's process %s outlived the cancelled job", strings.TrimSpace(string(pid)))
	}
}
