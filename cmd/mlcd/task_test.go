package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// pushExample pushes a copy of an example to a new bare repository and
// returns the bare repository and the clone that pushed it.
func pushExample(t *testing.T, example string) (string, *gittest.Clone) {
	t.Helper()
	bare := gittest.NewBare(t)
	c := gittest.Person(t, bare)
	src := filepath.Join("..", "..", "examples", example)
	files := copyDir(t, src)
	err := filepath.WalkDir(files, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(files, p)
		c.Write(filepath.ToSlash(rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Commit("add " + example)
	c.Push()
	return bare, c
}

// comparable clears what differs between two executions of the same run:
// ids, times, log digests (logs hold folder names) and MLflow run ids.
func comparable(r *pipeline.Run) *pipeline.Run {
	r.ID, r.Start, r.End = "", time.Time{}, time.Time{}
	r.History = nil
	for _, t := range r.Tasks {
		t.Start, t.End, t.JobID = time.Time{}, time.Time{}, ""
		for i := range t.Attempts {
			t.Attempts[i].Start, t.Attempts[i].End, t.Attempts[i].Log = time.Time{}, time.Time{}, ""
		}
		for k, pts := range t.MetricHistory {
			for i := range pts {
				pts[i].Time = time.Time{}
			}
			t.MetricHistory[k] = pts
		}
		t.MLflowRuns = nil
	}
	return r
}

// Plan in one clone, run each task in a fresh clone of a later commit
// (task exec checks the plan's commit out), sharing only the store, then
// collect: the record is the one a local run of that commit writes.
func TestTaskCommands_RecordEqualsLocalRun(t *testing.T) {
	t.Parallel()
	bare, planner := pushExample(t, "quickstart")
	shared := []string{"MLCD_STORE=" + t.TempDir()}
	env := append(gittest.Env(), shared...)
	plan := runBinary(t, planner.Dir, env, "task", "plan", "--param", "epochs=3")
	if plan.code != 0 {
		t.Fatalf("plan: exit %d\n%s", plan.code, plan.stderr)
	}
	runID := strings.TrimSpace(plan.stdout)
	if strings.ContainsAny(runID, " \n") || runID == "" {
		t.Fatalf("plan printed %q, want the run id alone", plan.stdout)
	}
	planned := planner.Head()
	planner.Write("README.md", "a later commit\n")
	planner.Commit("later")
	planner.Push()

	for _, task := range []string{"prepare", "train_small", "train_medium", "train_large", "evaluate"} {
		machine := gittest.Person(t, bare) // at the later commit
		res := runBinary(t, machine.Dir, env, "task", "exec", "--run", runID, "--task", task, "--job-id", "job-"+task)
		if res.code != 0 {
			t.Fatalf("exec %s: exit %d\n%s\n%s", task, res.code, res.stdout, res.stderr)
		}
		if got := machine.Head(); got != planned {
			t.Errorf("exec %s: checkout at %.12s, want the plan's %.12s", task, got, planned)
		}
	}
	collect := runBinary(t, planner.Dir, env, "task", "collect", "--run", runID)
	if collect.code != 0 {
		t.Fatalf("collect: exit %d\n%s\n%s", collect.code, collect.stdout, collect.stderr)
	}
	got, err := pipeline.ReadRun(filepath.Join(planner.Dir, filepath.FromSlash(pipeline.RunRelPath("quickstart", runID))))
	if err != nil {
		t.Fatal(err)
	}
	if got.Task("evaluate").JobID != "job-evaluate" {
		t.Errorf("evaluate's job id %q, want job-evaluate", got.Task("evaluate").JobID)
	}
	if !strings.Contains(collect.stdout, "registered: quickstart-large v1") {
		t.Errorf("collect did not register like mlcd run:\n%s", collect.stdout)
	}

	local := gittest.Person(t, bare)
	local.Git("reset", "--quiet", "--hard", planned) // on main, as the planner was
	lenv := append(gittest.Env(), "MLCD_STORE="+t.TempDir())
	if res := runBinary(t, local.Dir, lenv, "run", "--param", "epochs=3"); res.code != 0 {
		t.Fatalf("local run: exit %d\n%s", res.code, res.stderr)
	}
	runs, err := pipeline.ListRuns(local.Dir, "quickstart")
	if err != nil || len(runs) != 1 {
		t.Fatalf("local records: %d, %v", len(runs), err)
	}
	want := runs[0]
	if diff := cmp.Diff(comparable(want), comparable(got)); diff != "" {
		t.Errorf("record of the distributed run differs from a local run's (-local +distributed):\n%s", diff)
	}
}

func TestTaskExec_RefusesDirtyCheckoutOfAnotherCommit(t *testing.T) {
	t.Parallel()
	bare, planner := pushExample(t, "quickstart")
	env := append(gittest.Env(), "MLCD_STORE="+t.TempDir())
	plan := runBinary(t, planner.Dir, env, "task", "plan")
	runID := strings.TrimSpace(plan.stdout)
	planner.Write("README.md", "later\n")
	planner.Commit("later")
	planner.Push()
	machine := gittest.Person(t, bare)
	if err := os.WriteFile(filepath.Join(machine.Dir, "src", "prepare.sh"), []byte("echo edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runBinary(t, machine.Dir, env, "task", "exec", "--run", runID, "--task", "prepare")
	if res.code == 0 || !strings.Contains(res.stderr, "uncommitted changes") {
		t.Errorf("exit %d, stderr %q; want a refusal naming the uncommitted changes", res.code, res.stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(machine.Dir, "src", "prepare.sh")); string(data) != "echo edited\n" {
		t.Errorf("the edit was lost: %q", data)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"task", "exec", "--task", "prepare"}, 3, "--run RUN-ID"},
		{[]string{"task", "exec", "--run", "nope", "--task", "prepare"}, 1, "no plan"},
		{[]string{"task", "exec", "--run", runID, "--task", "nope"}, 1, `no task "nope"`},
		{[]string{"task", "collect", "--run", "nope"}, 1, "no plan"},
		{[]string{"task", "exec", "--rn", "x"}, 3, "unknown flag"},
		{[]string{"task", "plan", "extra"}, 3, "unknown command"},
	} {
		res := runBinary(t, planner.Dir, env, tt.args...)
		if res.code != tt.code || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, res.code, res.stderr, tt.code, tt.want)
		}
	}
}

// collect --push commits the record and the new versions as the bot on the
// run's branch; collecting again records nothing twice.
func TestTaskCollect_PushRecordsAsTheBot(t *testing.T) {
	t.Parallel()
	bare, planner := pushExample(t, "quickstart")
	env := append(gittest.Env(), "MLCD_STORE="+t.TempDir())
	runID := strings.TrimSpace(runBinary(t, planner.Dir, env, "task", "plan").stdout)
	for _, task := range []string{"prepare", "train_small", "train_medium", "train_large", "evaluate"} {
		if res := runBinary(t, planner.Dir, env, "task", "exec", "--run", runID, "--task", task); res.code != 0 {
			t.Fatalf("exec %s: exit %d\n%s", task, res.code, res.stderr)
		}
	}
	for range 2 {
		if res := runBinary(t, planner.Dir, env, "task", "collect", "--run", runID, "--push"); res.code != 0 {
			t.Fatalf("collect --push: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
	}
	log := gittest.Git(t, bare, "log", "--format=%an|%s", "main")
	if n := strings.Count(log, "mlcd: record run "+runID); n != 1 || !strings.HasPrefix(log, "mlcd") {
		t.Errorf("branch log:\n%s\nwant one bot commit recording %s on top", log, runID)
	}
	files := gittest.Git(t, bare, "ls-tree", "-r", "--name-only", "main")
	for _, want := range []string{pipeline.RunRelPath("quickstart", runID), "models/quickstart-large/v1.yaml"} {
		if !strings.Contains(files, want) {
			t.Errorf("main lacks %s:\n%s", want, files)
		}
	}
}
