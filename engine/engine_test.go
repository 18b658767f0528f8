package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

const commit = "0123456789abcdef0123456789abcdef01234567"

// fixture is a pipeline, its plan and a store shared by "machines": each
// Exec runs in a folder of its own holding only mlcd.yaml.
type fixture struct {
	spec []byte
	p    *pipeline.Pipeline
	pl   *Plan
	st   *store.Local
}

func newFixture(t *testing.T, yaml string) *fixture {
	t.Helper()
	p, err := pipeline.Parse(pipeline.FileName, []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{spec: []byte(yaml), p: p, st: st}
	f.pl = NewPlan(p, f.spec, commit, "main", pipeline.Trigger{}, nil)
	if err := WritePlan(context.Background(), st, f.pl); err != nil {
		t.Fatal(err)
	}
	return f
}

// exec runs task on a fresh "machine".
func (f *fixture) exec(t *testing.T, task string) *pipeline.TaskRecord {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, pipeline.FileName), f.spec, 0o644); err != nil {
		t.Fatal(err)
	}
	pl, err := ReadPlan(context.Background(), f.st, f.pl.RunID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Exec(context.Background(), f.st, Task{Plan: pl, Name: task, Pipeline: f.p, Spec: f.spec},
		executor.Options{Dir: dir, NoTracking: true, Cache: true, InputHashes: filepath.Join(f.st.Root(), "cache", "inputs.json")})
	if err != nil {
		t.Fatalf("exec %s: %v", task, err)
	}
	return rec
}

func (f *fixture) collect(t *testing.T) (*pipeline.Run, []error) {
	t.Helper()
	r, problems, err := Collect(context.Background(), f.st, f.pl, f.p)
	if err != nil {
		t.Fatal(err)
	}
	// whatever the results, the record is one that reads back
	files, err := pipeline.MarshalRunFiles(r)
	if err != nil {
		t.Fatalf("record does not marshal: %v", err)
	}
	if _, err := pipeline.DecodeRun(files[pipeline.RunRelPath(r.Pipeline, r.ID)]); err != nil {
		t.Fatalf("record does not decode: %v", err)
	}
	return r, problems
}

const chain = `pipeline: p
tasks:
  a: {run: "echo $MLCD_RUN_ID > $MLCD_OUT/a.txt"}
  b: {needs: [a], run: "cat $MLCD_IN_A/a.txt > $MLCD_OUT/b.txt"}
  c: {needs: [b], run: "cat $MLCD_IN_B/b.txt"}
`

func TestCollect_LostAndDuplicatedResults(t *testing.T) {
	t.Parallel()
	f := newFixture(t, chain)
	first := f.exec(t, "a")
	second := f.exec(t, "a") // the engine ran it twice: the second result replaces the first
	if !second.CacheHit {
		t.Errorf("second execution of a: not a cache hit")
	}
	b := f.exec(t, "b")
	if b.Status != pipeline.StatusSuccess || len(b.Outputs) != 1 {
		t.Fatalf("b: %s %q, outputs %v", b.Status, b.Error, b.Outputs)
	}
	// c is lost: its job died before writing a result
	r, problems := f.collect(t)
	if r.Status != pipeline.StatusFailed || len(problems) != 1 {
		t.Fatalf("run %s, problems %v; want failed and one problem", r.Status, problems)
	}
	if a := r.Task("a"); a.Status != pipeline.StatusSuccess || a.Outputs[0].SHA256 != first.Outputs[0].SHA256 {
		t.Errorf("a: %s, outputs %v", a.Status, a.Outputs)
	}
	if c := r.Task("c"); c.Status != pipeline.StatusFailed || !strings.Contains(c.Error, "lost") {
		t.Errorf("c: %s %q, want failed, lost", c.Status, c.Error)
	}
	if got := []string{r.Tasks[0].Name, r.Tasks[1].Name, r.Tasks[2].Name}; strings.Join(got, ",") != "a,b,c" {
		t.Errorf("tasks in order %v", got)
	}
	// the output b read is a's, by run id
	data, err := readObject(f.st, b.Outputs[0].SHA256)
	if err != nil || strings.TrimSpace(data) != f.pl.RunID {
		t.Errorf("b's output %q, %v; want the run id", data, err)
	}
}

func readObject(st *store.Local, digest string) (string, error) {
	rc, err := st.Open(context.Background(), digest)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := rc.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String(), nil
		}
	}
}

// Results that are not this run's, or whose outputs are gone, are
// rejected by Collect (the task is recorded failed) and by a downstream
// Exec (the upstream counts as failed).
func TestReadResult_RejectsForeignAndBrokenResults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper func(t *testing.T, f *fixture, res *Result)
		want   string
	}{
		{"another run's", func(_ *testing.T, _ *fixture, res *Result) { res.RunID = "20260101T000000.000Z-abcdef" }, "of run"},
		{"another commit's", func(_ *testing.T, _ *fixture, res *Result) { res.Commit = strings.Repeat("f", 40) }, "ran commit"},
		{"another task's", func(_ *testing.T, _ *fixture, res *Result) { res.Record.Name = "b" }, "of task"},
		{"not final", func(_ *testing.T, _ *fixture, res *Result) { res.Record.Status = pipeline.StatusRunning }, "not final"},
		{"output gone", func(t *testing.T, f *fixture, res *Result) {
			if err := os.Remove(f.st.Path(res.Record.Outputs[0].SHA256)); err != nil {
				t.Fatal(err)
			}
		}, "not in the store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, chain)
			f.exec(t, "a")
			ctx := context.Background()
			data, err := f.st.ReadDoc(ctx, ResultDoc(f.pl.RunID, "a"))
			if err != nil {
				t.Fatal(err)
			}
			var res Result
			if err := json.Unmarshal(data, &res); err != nil {
				t.Fatal(err)
			}
			tt.tamper(t, f, &res)
			data, _ = json.Marshal(res)
			if err := f.st.WriteDoc(ctx, ResultDoc(f.pl.RunID, "a"), data); err != nil {
				t.Fatal(err)
			}
			if b := f.exec(t, "b"); b.Status != pipeline.StatusUpstreamFailed || len(b.Attempts) != 0 {
				t.Errorf("b after a rejected a: %s with %d attempts, want upstream_failed, not run", b.Status, len(b.Attempts))
			}
			r, problems := f.collect(t)
			a := r.Task("a")
			// b's result says upstream_failed; c, without one, never ran because of b
			if c := r.Task("c"); c.Status != pipeline.StatusUpstreamFailed {
				t.Errorf("c: %s %q, want upstream_failed", c.Status, c.Error)
			}
			if a.Status != pipeline.StatusFailed || !strings.Contains(a.Error, tt.want) || len(problems) != 1 {
				t.Errorf("a: %s %q, problems %v; want failed naming %q", a.Status, a.Error, problems, tt.want)
			}
		})
	}
}

// Jobs that never ran because an upstream failed (GitHub skips the job,
// Slurm cancels it) leave no result: Collect records what the trigger
// rule says, as a local run does, and only a task that should have run
// is lost.
func TestCollect_JobsThatNeverRan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, `pipeline: p
tasks:
  a: {run: "exit 3"}
  ok: {run: "true"}
  b: {needs: [a], run: "true"}
  c: {needs: [b, ok], run: "true"}
  alert: {needs: [ok], run: "true", trigger_rule: one_failed}
  report: {needs: [a], run: "true", trigger_rule: all_done}
  after_ok: {needs: [ok], run: "true"}
  model: {needs: [a], run: "true", model: {name: m, file: m.json, flavor: xgboost}}
`)
	f.exec(t, "a")
	f.exec(t, "ok")
	r, problems := f.collect(t)
	want := map[string]pipeline.Status{
		"a": pipeline.StatusFailed, "ok": pipeline.StatusSuccess,
		"b": pipeline.StatusUpstreamFailed, "c": pipeline.StatusUpstreamFailed,
		"alert": pipeline.StatusSkipped, "model": pipeline.StatusUpstreamFailed,
		"report": pipeline.StatusFailed, "after_ok": pipeline.StatusFailed, // should have run: lost
	}
	for name, status := range want {
		task := r.Task(name)
		if task.Status != status {
			t.Errorf("%s: %s %q, want %s", name, task.Status, task.Error, status)
		}
		lost := strings.Contains(task.Error, "lost: no result")
		if wantLost := name == "report" || name == "after_ok"; lost != wantLost {
			t.Errorf("%s: error %q, lost %v; want lost %v", name, task.Error, lost, wantLost)
		}
	}
	if a, c := r.Task("a"), r.Task("c"); c.End.IsZero() || c.End.Before(a.End) || !c.Start.IsZero() {
		t.Errorf("c: start %v, end %v; want no start and an end at the latest upstream's (a's %v)", c.Start, c.End, a.End)
	}
	if m := r.Task("model"); m.Model == nil || m.Model.Name != "m" {
		t.Errorf("model: %+v, want its model kept", m.Model)
	}
	if len(problems) != 2 || r.Status != pipeline.StatusFailed {
		t.Errorf("run %s, problems %v; want failed with the 2 lost tasks", r.Status, problems)
	}
}

func TestExec_TriggerRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t, `pipeline: p
tasks:
  a: {run: "exit 4"}
  b: {needs: [a], run: "touch $MLCD_OUT/ran"}
  cleanup: {needs: [a], run: "touch $MLCD_OUT/ran", trigger_rule: all_done}
`)
	if a := f.exec(t, "a"); a.Status != pipeline.StatusFailed || len(a.Attempts) != 1 || a.Attempts[0].ExitCode != 4 {
		t.Fatalf("a: %+v", a)
	}
	if b := f.exec(t, "b"); b.Status != pipeline.StatusUpstreamFailed || len(b.Outputs) != 0 {
		t.Errorf("b: %s, outputs %v; want upstream_failed without running", b.Status, b.Outputs)
	}
	if c := f.exec(t, "cleanup"); c.Status != pipeline.StatusSuccess || len(c.Outputs) != 1 {
		t.Errorf("cleanup (all_done): %s %q; want it run", c.Status, c.Error)
	}
	r, problems := f.collect(t)
	if r.Status != pipeline.StatusFailed || len(problems) != 0 {
		t.Errorf("run %s, problems %v", r.Status, problems)
	}
}

func TestExec_RefusesAnotherSpec(t *testing.T) {
	t.Parallel()
	f := newFixture(t, chain)
	_, err := Exec(context.Background(), f.st, Task{Plan: f.pl, Name: "a", Pipeline: f.p, Spec: []byte(chain + "# edited\n")},
		executor.Options{Dir: t.TempDir(), NoTracking: true})
	if err == nil || !strings.Contains(err.Error(), "differs from the one run") {
		t.Errorf("err %v, want the mlcd.yaml mismatch", err)
	}
	_, err = Exec(context.Background(), f.st, Task{Plan: f.pl, Name: "zz", Pipeline: f.p, Spec: f.spec}, executor.Options{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `no task "zz"`) {
		t.Errorf("err %v, want the unknown task named", err)
	}
	if _, err := ReadPlan(context.Background(), f.st, "../x"); err == nil {
		t.Errorf("ReadPlan accepted a run id with a slash")
	}
}
