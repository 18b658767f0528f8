package executor

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

func TestRun_TaskProtocol(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := pipe("demo",
		sh("prepare", `mkdir -p "$MLCD_OUT/data" && echo "rows=3" > "$MLCD_OUT/data/train.csv" && echo preparing`),
		sh("train-rf", `cat "$MLCD_IN_PREPARE/data/train.csv" > "$MLCD_OUT/model.txt"
echo "task=$MLCD_TASK attempt=$MLCD_ATTEMPT run=$MLCD_RUN_ID pipeline=$MLCD_PIPELINE" >> "$MLCD_OUT/model.txt"
echo "n=$MLCD_PARAM_N_ESTIMATORS lr=$MLCD_PARAM_LR own=$OWN" >> "$MLCD_OUT/model.txt"
cp "$MLCD_PARAMS" "$MLCD_OUT/seen-params.json"
echo '{"f1": 0.75}' > "$MLCD_OUT/metrics.json"
echo '{"depth": 3, "kind": "rf"}' > "$MLCD_OUT/params.json"
echo '{"team": "risk"}' > "$MLCD_OUT/tags.json"
echo '{"kind":"metric","name":"loss","value":"0.5","time":"2026-01-01T00:00:00Z"}' >> "$MLCD_LOG_FILE"
echo '{"kind":"metric","name":"loss","value":"0.25","time":"2026-01-01T00:00:01Z"}' >> "$MLCD_LOG_FILE"
echo '{"kind":"metric","name":"f1","value":"0.5","step":7,"time":"2026-01-01T00:00:01Z"}' >> "$MLCD_LOG_FILE"`, "prepare"),
	)
	p.Params = pipeline.Params{"n_estimators": int64(100), "lr": 0.1}
	p.Tasks[1].Env = map[string]string{"OWN": "yes", "MLCD_TASK": "overridden?"}
	p.Tasks[1].Model = &pipeline.ModelSpec{Name: "m", File: "model.txt", Flavor: pipeline.FlavorCommand}
	r := e.run(p, func(o *Options) { o.Params = pipeline.Params{"n_estimators": int64(200)}; o.RunID = "RID" })

	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("run status %s, tasks %v\n%s", r.Status, statuses(r), e.out.String())
	}
	train := r.Task("train-rf")
	model := train.Output("model.txt")
	if model == nil {
		t.Fatalf("no model.txt output: %+v", train.Outputs)
	}
	rc, err := e.store.Open(context.Background(), model.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	want := "rows=3\ntask=train-rf attempt=1 run=RID pipeline=demo\nn=200 lr=0.1 own=yes\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("model.txt (-want +got):\n%s", diff)
	}
	if r.Task("prepare").Output("data/train.csv") == nil {
		t.Errorf("nested output missing: %+v", r.Task("prepare").Outputs)
	}
	if diff := cmp.Diff(map[string]float64{"f1": 0.75, "loss": 0.25}, train.Metrics); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
	wantHist := map[string][]pipeline.MetricPoint{
		"loss": {{Step: 0, Value: 0.5, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, {Step: 1, Value: 0.25, Time: time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)}},
		"f1":   {{Step: 7, Value: 0.5, Time: time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)}},
	}
	if diff := cmp.Diff(wantHist, train.MetricHistory); diff != "" {
		t.Errorf("metric history (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(pipeline.Params{"depth": int64(3), "kind": "rf"}, train.Params); diff != "" {
		t.Errorf("task params (-want +got):\n%s", diff)
	}
	if train.Tags["team"] != "risk" || train.Model == nil || train.Model.Name != "m" {
		t.Errorf("tags %v, model %+v", train.Tags, train.Model)
	}
	if diff := cmp.Diff(pipeline.Params{"n_estimators": int64(200), "lr": 0.1}, r.Params); diff != "" {
		t.Errorf("run params (-want +got):\n%s", diff)
	}
	prep := r.Task("prepare")
	if len(prep.Attempts) != 1 || prep.Attempts[0].Log == "" || prep.Attempts[0].ExitCode != 0 {
		t.Fatalf("prepare attempts: %+v", prep.Attempts)
	}
	rc, err = e.store.Open(context.Background(), prep.Attempts[0].Log)
	if err != nil {
		t.Fatal(err)
	}
	log, _ := io.ReadAll(rc)
	rc.Close()
	if string(log) != "preparing\n" {
		t.Errorf("stored log = %q", log)
	}
	if train.Attempts[0].Log != "" {
		t.Errorf("a silent attempt has a log: %q", train.Attempts[0].Log)
	}
	if !strings.Contains(e.out.String(), "[prepare] preparing\n") {
		t.Errorf("live output not prefixed:\n%s", e.out.String())
	}
}

func TestRun_Retries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	counter := filepath.Join(t.TempDir(), "count")
	task := sh("flaky", `n=$(cat "`+counter+`" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "`+counter+`"
[ "$MLCD_ATTEMPT" = "$n" ] || exit 9
[ $n -ge 3 ]`)
	task.Retries, task.RetryDelay, task.Backoff = 3, 100*time.Millisecond, 2
	r := e.run(pipe("p", task))
	rec := r.Task("flaky")
	if rec.Status != pipeline.StatusSuccess || len(rec.Attempts) != 3 {
		t.Fatalf("status %s after %d attempts, want success after 3\n%s", rec.Status, len(rec.Attempts), e.out.String())
	}
	for i, a := range rec.Attempts[:2] {
		if a.ExitCode != 1 || a.Error != "exit status 1" {
			t.Errorf("attempt %d: exit %d, error %q", i+1, a.ExitCode, a.Error)
		}
	}
	// Equal jitter: the wait after attempt n is at least half of 100ms*2^(n-1).
	for i, min := range []time.Duration{49 * time.Millisecond, 99 * time.Millisecond} {
		gap := rec.Attempts[i+1].Start.Sub(rec.Attempts[i].End)
		if gap < min {
			t.Errorf("wait after attempt %d = %s, want >= %s", i+1, gap, min)
		}
	}
}

func TestRun_RetriesExhausted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := sh("bad", "echo nope >&2; exit 4")
	bad.Retries, bad.RetryDelay = 2, time.Millisecond
	r := e.run(pipe("p", bad, sh("after", "true", "bad"), sh("other", "true")))
	want := map[string]string{"bad": "failed", "after": "upstream_failed", "other": "success"}
	if diff := cmp.Diff(want, statuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if n := len(r.Task("bad").Attempts); n != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", n)
	}
	if r.Status != pipeline.StatusFailed || r.Task("bad").Error != "exit status 4" {
		t.Errorf("run %s, task error %q", r.Status, r.Task("bad").Error)
	}
}

func TestRun_TimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	task := sh("slow", `sleep 100 & echo $! > "`+pidFile+`"; wait`)
	task.Timeout = 300 * time.Millisecond
	r := e.run(pipe("p", task))
	pid, _ := strconv.Atoi(waitFile(t, pidFile))
	waitGone(t, pid)
	rec := r.Task("slow")
	if rec.Status != pipeline.StatusFailed || !strings.Contains(rec.Error, "timed out after 300ms") {
		t.Errorf("status %s, error %q", rec.Status, rec.Error)
	}
	if rec.Attempts[0].ExitCode != -1 {
		t.Errorf("exit code %d, want -1 (killed)", rec.Attempts[0].ExitCode)
	}
}

func TestRun_TermIgnoredThenKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	task := sh("stubborn", `trap '' TERM; sh -c 'trap "" TERM; sleep 100' & echo $! > "`+pidFile+`"; wait`)
	task.Timeout = 200 * time.Millisecond
	r := e.run(pipe("p", task), func(o *Options) { o.KillGrace = 200 * time.Millisecond })
	pid, _ := strconv.Atoi(waitFile(t, pidFile))
	waitGone(t, pid)
	if r.Task("stubborn").Status != pipeline.StatusFailed {
		t.Errorf("status %s", r.Task("stubborn").Status)
	}
}

func TestRun_LeftoverChildrenKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := e.run(pipe("p", sh("bg", `sleep 100 > /dev/null 2>&1 & echo $! > "`+pidFile+`"; exit 0`)))
	pid, _ := strconv.Atoi(waitFile(t, pidFile))
	waitGone(t, pid)
	if r.Status != pipeline.StatusSuccess {
		t.Errorf("status %s", r.Status)
	}
}

func TestRun_Cancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tmp := t.TempDir()
	pidFile := filepath.Join(tmp, "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		waitFile(t, pidFile)
		cancel()
	}()
	waiting := sh("waiting", "exit 1")
	waiting.Retries, waiting.RetryDelay = 5, time.Hour
	p := pipe("p",
		sh("long", `sleep 100 & echo $! > "`+pidFile+`"; wait`),
		sh("next", "true", "long"),
		waiting,
	)
	start := time.Now()
	r, err := Run(ctx, p, e.opts())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 30*time.Minute {
		t.Fatal("the retry wait did not honour cancellation")
	}
	pid, _ := strconv.Atoi(waitFile(t, pidFile))
	waitGone(t, pid)
	want := map[string]string{"long": "cancelled", "next": "cancelled", "waiting": "cancelled"}
	if diff := cmp.Diff(want, statuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if r.Status != pipeline.StatusCancelled || r.End.IsZero() {
		t.Errorf("run status %s, end %v", r.Status, r.End)
	}
}

func TestRun_JobsLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	marks := t.TempDir()
	log := filepath.Join(t.TempDir(), "seen")
	// Each task marks itself running, waits (bounded) until it sees a
	// second one, records how many it saw, then unmarks itself.
	script := `touch "` + marks + `/$MLCD_TASK"
i=0; while [ $(ls "` + marks + `" | wc -l) -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
ls "` + marks + `" | wc -l >> "` + log + `"
sleep 0.05
ls "` + marks + `" | wc -l >> "` + log + `"
rm "` + marks + `/$MLCD_TASK"`
	var tasks []*pipeline.Task
	for i := range 6 {
		tasks = append(tasks, sh("t"+strconv.Itoa(i), script))
	}
	r := e.run(pipe("p", tasks...), func(o *Options) { o.Jobs = 2 })
	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("run %s", r.Status)
	}
	data, _ := os.ReadFile(log)
	maxSeen := 0
	for _, f := range strings.Fields(string(data)) {
		n, _ := strconv.Atoi(f)
		maxSeen = max(maxSeen, n)
	}
	if maxSeen != 2 {
		t.Errorf("max concurrency seen = %d, want 2 (--jobs 2)", maxSeen)
	}
}

func TestRun_TriggerRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rule := func(tk *pipeline.Task, r pipeline.TriggerRule) *pipeline.Task { tk.TriggerRule = r; return tk }
	p := pipe("p",
		sh("ok", "true"),
		sh("bad", "exit 1"),
		rule(sh("all_success", "true", "ok", "bad"), pipeline.AllSuccess),
		rule(sh("all_done", "true", "ok", "bad"), pipeline.AllDone),
		rule(sh("one_success", "true", "ok", "bad"), pipeline.OneSuccess),
		rule(sh("one_failed", "true", "ok", "bad"), pipeline.OneFailed),
		rule(sh("none_failed", "true", "ok", "bad"), pipeline.NoneFailed),
		rule(sh("one_failed_ok", "true", "ok"), pipeline.OneFailed),
		sh("after_skip", "true", "one_failed_ok"),
		rule(sh("none_failed_skip", "true", "one_failed_ok", "ok"), pipeline.NoneFailed),
		sh("after_upfail", "true", "all_success"),
		rule(sh("all_done_sees_in", `[ -d "$MLCD_IN_OK" ] && [ -z "$MLCD_IN_BAD" ]`, "ok", "bad"), pipeline.AllDone),
	)
	r := e.run(p)
	want := map[string]string{
		"ok": "success", "bad": "failed",
		"all_success": "upstream_failed", "all_done": "success", "one_success": "success",
		"one_failed": "success", "none_failed": "upstream_failed",
		"one_failed_ok": "skipped", "after_skip": "skipped", "none_failed_skip": "success",
		"after_upfail": "upstream_failed", "all_done_sees_in": "success",
	}
	if diff := cmp.Diff(want, statuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if r.Status != pipeline.StatusFailed {
		t.Errorf("run %s, want failed", r.Status)
	}
}

func TestRun_SkippedIsSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alert := sh("alert", "true", "train")
	alert.TriggerRule = pipeline.OneFailed
	r := e.run(pipe("p", sh("train", "true"), alert))
	if r.Status != pipeline.StatusSuccess || r.Task("alert").Status != pipeline.StatusSkipped {
		t.Errorf("run %s, alert %s", r.Status, r.Task("alert").Status)
	}
}

func TestRun_OutputEscapes(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("x"), 0o644)
	tests := []struct {
		name, script, wantErr string
	}{
		{"absolute symlink", `ln -s "` + outside + `" "$MLCD_OUT/link"`, `output "link" is a symlink to "` + outside + `", which escapes MLCD_OUT`},
		{"dotdot symlink", `mkdir "$MLCD_OUT/d" && ln -s ../../../../x "$MLCD_OUT/d/up"`, `output "d/up"`},
		{"fifo", `mkfifo "$MLCD_OUT/pipe"`, `output "pipe" is not a regular file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			r := e.run(pipe("p", sh("t", tt.script)))
			rec := r.Task("t")
			if rec.Status != pipeline.StatusFailed || !strings.Contains(rec.Error, tt.wantErr) {
				t.Errorf("status %s, error %q, want it to contain %q", rec.Status, rec.Error, tt.wantErr)
			}
		})
	}
	e := newEnv(t)
	r := e.run(pipe("p", sh("t", `echo a > "$MLCD_OUT/a" && ln -s a "$MLCD_OUT/b"`)))
	if rec := r.Task("t"); rec.Status != pipeline.StatusSuccess || len(rec.Outputs) != 2 || rec.Outputs[0].SHA256 != rec.Outputs[1].SHA256 {
		t.Errorf("symlink inside MLCD_OUT: %s %q %+v", rec.Status, rec.Error, rec.Outputs)
	}
}

func TestRun_BadReportFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script, wantErr string
	}{
		{"metrics syntax", `printf '{\n  "a": 1,\n  "b": x\n}' > "$MLCD_OUT/metrics.json"`, "metrics.json: 3:8: invalid character 'x'"},
		{"metrics type", `printf '{"a": "high"}' > "$MLCD_OUT/metrics.json"`, "metrics.json: 1:13: json: cannot unmarshal string"},
		{"metrics empty", `: > "$MLCD_OUT/metrics.json"`, "metrics.json: empty file"},
		{"params nested", `echo '{"a": {"b": 1}}' > "$MLCD_OUT/params.json"`, `params.json: param "a": must be a string`},
		{"tags not object", `echo '[1]' > "$MLCD_OUT/tags.json"`, "tags.json: 1:2: json: cannot unmarshal array"},
		{"trailing data", `echo '{} {}' > "$MLCD_OUT/tags.json"`, "tags.json: data after the JSON object"},
		{"bad log line", `echo 'not json' >> "$MLCD_LOG_FILE"`, "mlcd log file: line 1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			task := sh("t", tt.script)
			task.Retries = 3 // a bad report is permanent: no retry
			r := e.run(pipe("p", task))
			rec := r.Task("t")
			if rec.Status != pipeline.StatusFailed || !strings.Contains(rec.Error, tt.wantErr) || len(rec.Attempts) != 1 || rec.Attempts[0].Error != rec.Error {
				t.Errorf("status %s after %d attempts, error %q, want it to contain %q", rec.Status, len(rec.Attempts), rec.Error, tt.wantErr)
			}
		})
	}
}

func TestRun_CommandNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	task := &pipeline.Task{Name: "x", Run: []string{"mlcd-no-such-command"}, Cache: true}
	r := e.run(pipe("p", task))
	if rec := r.Task("x"); rec.Status != pipeline.StatusFailed || !strings.Contains(rec.Error, "executable file not found") {
		t.Errorf("status %s, error %q", rec.Status, rec.Error)
	}
}

func TestRun_RejectsBadPlans(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name string
		p    *pipeline.Pipeline
		want string
	}{
		{"cycle", pipe("p", sh("a", "true", "c"), sh("b", "true", "a"), sh("c", "true", "b")), "cycle: a -> b -> c -> a"},
		{"unknown need", pipe("p", sh("a", "true", "zz")), `task "a" needs unknown task "zz"`},
		{"duplicate", pipe("p", sh("a", "true"), sh("a", "true")), `task "a" defined twice`},
		{"empty", pipe("p"), "no tasks"},
	}
	for _, tt := range tests {
		if _, err := Run(context.Background(), tt.p, e.opts()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestRun_OnChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var seen []pipeline.Status
	r := e.run(pipe("p", sh("a", "true"), sh("b", "true", "a")), func(o *Options) {
		o.OnChange = func(r *pipeline.Run) { seen = append(seen, r.Task("b").Status) }
	})
	if len(seen) < 3 || seen[0] != pipeline.StatusQueued || seen[len(seen)-1] != pipeline.StatusSuccess || r.Status != pipeline.StatusSuccess {
		t.Errorf("b's status through the hook: %v", seen)
	}
}

// panicStore is a real store whose PutFile panics, to check that a worker
// panic fails its task and not the run.
type panicStore struct{ Store }

func (panicStore) PutFile(context.Context, string) (store.Object, error) { panic("disk on fire") }

var _ Store = panicStore{}

func TestRun_WorkerPanicFailsTheTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.opts()
	o.Store = panicStore{e.store}
	r, err := Run(context.Background(), pipe("p", sh("out", `echo x > "$MLCD_OUT/f"`), sh("quiet", "true"), sh("after", "true", "out")), o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"out": "failed", "quiet": "success", "after": "upstream_failed"}
	if diff := cmp.Diff(want, statuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got := r.Task("out").Error; !strings.Contains(got, "internal error: disk on fire") {
		t.Errorf("error %q", got)
	}
}

func TestRun_CorruptUpstreamObject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := func(v string) *pipeline.Pipeline {
		return pipe("p", sh("a", `echo data > "$MLCD_OUT/f"`), sh("b", `cat "$MLCD_IN_A/f" # `+v, "a"))
	}
	first := e.run(p("1"))
	obj := e.store.Path(first.Task("a").Outputs[0].SHA256)
	os.Chmod(obj, 0o644)
	os.WriteFile(obj, []byte("tampered"), 0o644)
	r := e.run(p("2"))
	if rec := r.Task("b"); rec.Status != pipeline.StatusFailed || !strings.Contains(rec.Error, "restore outputs of a") || !strings.Contains(rec.Error, "corrupt") {
		t.Errorf("b: %s %q", rec.Status, rec.Error)
	}
}

func TestRun_OutFolderAlwaysEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	isEmpty := `[ -z "$(ls -A "$MLCD_OUT")" ] || { echo "MLCD_OUT not empty"; exit 3; }; `
	flaky := sh("flaky", isEmpty+`touch "$MLCD_OUT/junk"; [ "$MLCD_ATTEMPT" = 2 ]`)
	flaky.Retries, flaky.RetryDelay = 1, time.Millisecond
	p := pipe("p",
		sh("quiet", isEmpty+"true"),
		sh("subdir", isEmpty+`mkdir "$MLCD_OUT/d"`),
		sh("reader", isEmpty+`[ -d "$MLCD_IN_QUIET" ] && [ -z "$(ls -A "$MLCD_IN_QUIET")" ]`, "quiet"),
		flaky,
		sh("last", isEmpty+"true", "reader", "subdir", "flaky"),
	)
	r := e.run(p, func(o *Options) { o.Jobs = 1 })
	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("statuses %v\n%s", statuses(r), e.out.String())
	}
	if n := len(r.Task("flaky").Attempts); n != 2 {
		t.Errorf("flaky ran %d attempts, want 2", n)
	}
}

// Whatever stops mlcd may stop its tasks at the same moment (scancel
// signals every process of a Slurm job): a task that died of SIGTERM just
// before mlcd's own signal cancelled the run is cancelled, not failed, and
// not retried.
func TestRun_TaskKilledWithMlcdIsCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		pid, _ := strconv.Atoi(waitFile(t, pidFile))
		waitGone(t, pid) // the task died of its SIGTERM; only now does mlcd's arrive
		cancel()
	}()
	task := sh("term", `echo $$ > "`+pidFile+`.tmp"; mv "`+pidFile+`.tmp" "`+pidFile+`"; kill -TERM $$`)
	task.Retries = 3
	opts := e.opts()
	opts.stopWait = time.Minute
	r, err := Run(ctx, pipe("p", task), opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	rec := r.Task("term")
	if rec.Status != pipeline.StatusCancelled || len(rec.Attempts) != 1 {
		t.Fatalf("task: %s after %d attempts (%s); want cancelled after 1", rec.Status, len(rec.Attempts), rec.Error)
	}
}

// A task killed by SIGTERM while mlcd goes on is a failed attempt.
func TestRun_TaskKilledAloneFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run(pipe("p", sh("term", `kill -TERM $$`)), func(o *Options) { o.stopWait = 10 * time.Millisecond })
	if rec := r.Task("term"); rec.Status != pipeline.StatusFailed || len(rec.Attempts) != 1 {
		t.Fatalf("task: %s after %d attempts; want failed after 1", rec.Status, len(rec.Attempts))
	}
}
