package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestDecide(t *testing.T) {
	const (
		ok   = pipeline.StatusSuccess
		fail = pipeline.StatusFailed
		upf  = pipeline.StatusUpstreamFailed
		skip = pipeline.StatusSkipped
		run  = pipeline.StatusQueued
	)
	tests := []struct {
		rule pipeline.TriggerRule
		ups  []pipeline.Status
		want pipeline.Status
	}{
		{pipeline.AllSuccess, nil, run},
		{pipeline.AllSuccess, []pipeline.Status{ok, ok}, run},
		{pipeline.AllSuccess, []pipeline.Status{ok, fail}, upf},
		{pipeline.AllSuccess, []pipeline.Status{ok, upf}, upf},
		{pipeline.AllSuccess, []pipeline.Status{ok, skip}, skip},
		{"", []pipeline.Status{ok, skip}, skip},
		{pipeline.AllDone, []pipeline.Status{fail, skip, upf}, run},
		{pipeline.OneSuccess, []pipeline.Status{fail, ok}, run},
		{pipeline.OneSuccess, []pipeline.Status{fail, skip}, upf},
		{pipeline.OneSuccess, []pipeline.Status{skip, skip}, skip},
		{pipeline.OneFailed, []pipeline.Status{ok, fail}, run},
		{pipeline.OneFailed, []pipeline.Status{ok, upf}, run},
		{pipeline.OneFailed, []pipeline.Status{ok, skip}, skip},
		{pipeline.NoneFailed, []pipeline.Status{ok, skip}, run},
		{pipeline.NoneFailed, []pipeline.Status{ok, fail}, upf},
	}
	for _, tt := range tests {
		if got := decide(tt.rule, tt.ups); got != tt.want {
			t.Errorf("decide(%s, %v) = %s, want %s", tt.rule, tt.ups, got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	task := &pipeline.Task{RetryDelay: time.Second, Backoff: 2, MaxDelay: 5 * time.Second}
	tests := []struct {
		attempt  int
		rnd      float64
		want     time.Duration
		constant bool
	}{
		{1, 0, 500 * time.Millisecond, false},
		{1, 0.999999999, time.Second, false},
		{2, 0, time.Second, false},
		{3, 0.5, 3 * time.Second, false},
		{4, 0, 2500 * time.Millisecond, false}, // capped at 5s
		{60, 0.999999999, 5 * time.Second, false},
		{3, 0, 500 * time.Millisecond, true}, // backoff 1: constant
	}
	for _, tt := range tests {
		tk := *task
		if tt.constant {
			tk.Backoff = 0
		}
		got := retryDelay(&tk, tt.attempt, func() float64 { return tt.rnd })
		if diff := got - tt.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("retryDelay(attempt %d, rnd %v) = %s, want %s", tt.attempt, tt.rnd, got, tt.want)
		}
	}
	huge := &pipeline.Task{RetryDelay: time.Hour, Backoff: 10}
	if d := retryDelay(huge, 100, func() float64 { return 1 }); d <= 0 {
		t.Errorf("no cap and a huge backoff overflowed: %s", d)
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{"train-rf": "TRAIN_RF", "load.data": "LOAD_DATA", "n_estimators": "N_ESTIMATORS", "ümlaut": "__MLAUT"} {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseValue(t *testing.T) {
	tests := map[string]any{"200": int64(200), "0.5": 0.5, "1e3": 1000.0, "true": true, "false": false, "rf": "rf", "NaN": "NaN", "": ""}
	for in, want := range tests {
		if diff := cmp.Diff(want, ParseValue(in)); diff != "" {
			t.Errorf("ParseValue(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestAppendLog_RoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.jsonl")
	step := int64(10)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	entries := []LogEntry{
		{Kind: LogMetric, Name: "loss", Value: "1", Time: at},
		{Kind: LogMetric, Name: "loss", Value: "0.5", Step: &step, Time: at},
		{Kind: LogMetric, Name: "loss", Value: "0.25", Time: at},
		{Kind: LogParam, Name: "depth", Value: "3", Time: at},
		{Kind: LogTag, Name: "note", Value: "first try", Time: at},
	}
	for _, e := range entries {
		if err := AppendLog(path, e); err != nil {
			t.Fatal(err)
		}
	}
	var rep report
	if err := readLogFile(path, &rep); err != nil {
		t.Fatal(err)
	}
	want := report{
		Metrics:       map[string]float64{"loss": 0.25},
		MetricHistory: map[string][]pipeline.MetricPoint{"loss": {{Step: 0, Value: 1, Time: at}, {Step: 10, Value: 0.5, Time: at}, {Step: 11, Value: 0.25, Time: at}}},
		Params:        pipeline.Params{"depth": int64(3)},
		Tags:          map[string]string{"note": "first try"},
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLogEntry_Check(t *testing.T) {
	step := int64(1)
	tests := []struct {
		e    LogEntry
		want string
	}{
		{LogEntry{Kind: LogMetric, Name: "f1", Value: "0.9"}, ""},
		{LogEntry{Kind: LogMetric, Name: "f1", Value: "high"}, `value "high" is not a finite number`},
		{LogEntry{Kind: LogMetric, Name: "f1", Value: "Inf"}, "not a finite number"},
		{LogEntry{Kind: LogMetric, Name: "", Value: "1"}, "1 to 250 characters"},
		{LogEntry{Kind: LogTag, Name: "a\nb", Value: "1"}, "control character"},
		{LogEntry{Kind: LogParam, Name: "p", Value: "1", Step: &step}, "only metrics have steps"},
		{LogEntry{Kind: "artifact", Name: "p", Value: "1"}, `unknown kind "artifact"`},
	}
	for _, tt := range tests {
		err := tt.e.Check()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Check(%+v) = %v, want %q", tt.e, err, tt.want)
		}
	}
}

func FuzzParseLog(f *testing.F) {
	f.Add([]byte(`{"kind":"metric","name":"loss","value":"0.5","step":3,"time":"2026-01-01T00:00:00Z"}` + "\n"))
	f.Add([]byte(`{"kind":"param","name":"p","value":"x"}` + "\n\n" + `{"kind":"tag","name":"t","value":"y"}`))
	f.Add([]byte(`{"kind":"metric","name":"m","value":"NaN"}`))
	f.Add([]byte("not json\n"))
	run := strings.Repeat("a", 32)
	f.Add([]byte(`{"kind":"mlflow_run","name":"` + run + `","value":"{\"id\":\"` + run + `\",\"name\":\"cv\",\"prefix\":\"cv/\",\"status\":\"RUNNING\",\"artifacts\":\"mlflow/x\"}"}` + "\n" +
		`{"kind":"metric","name":"loss","value":"1","step":0,"run":"` + run + `"}` + "\n" +
		`{"kind":"model","name":"m","value":"mlflow/` + run + `/model"}` + "\n" +
		`{"kind":"stage_request","name":"m","value":"{\"model\":\"m\",\"stage\":\"Production\"}"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rep report
		if err := parseLog(data, &rep); err != nil {
			return
		}
		if rep.Model != nil && !filepath.IsLocal(filepath.FromSlash(rep.Model.File)) {
			t.Fatalf("model folder %q is outside the outputs", rep.Model.File)
		}
		for name, pts := range rep.MetricHistory {
			if len(pts) == 0 || rep.Metrics[name] != pts[len(pts)-1].Value {
				t.Fatalf("metric %s: final %v, history %v", name, rep.Metrics[name], pts)
			}
		}
	})
}

func FuzzReportFiles(f *testing.F) {
	f.Add([]byte(`{"f1": 0.9, "auc": 1}`))
	f.Add([]byte("{\n  \"a\": x\n}"))
	f.Add([]byte(`{"a": {"b": 1}}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rep report
		_ = parseMetrics(data, &rep)
		_ = parseParams(data, &rep)
		_ = parseTags(data, &rep)
		for k, v := range rep.Params {
			switch v.(type) {
			case string, bool, int64, float64:
			default:
				t.Fatalf("param %s has type %T", k, v)
			}
		}
	})
}

func TestSimpleCommand(t *testing.T) {
	tests := []struct {
		script string
		want   []string // nil: must go through sh
	}{
		{"true", []string{"true"}},
		{"python3 src/train.py --seed 42 --lr=0.1", []string{"python3", "src/train.py", "--seed", "42", "--lr=0.1"}},
		{"  spaced   out  ", []string{"spaced", "out"}},
		{"echo $HOME", nil},
		{"a > b", nil},
		{"a && b", nil},
		{"ls *.csv", nil},
		{"echo 'quoted'", nil},
		{"cd src", nil},
		{"exit 1", nil},
		{"FOO=1 cmd", nil},
		{"cmd # comment", nil},
		{"ls ~", nil},
		{"a\nb", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got, ok := simpleCommand(tt.script)
		if ok != (tt.want != nil) || !cmp.Equal(got, tt.want) {
			t.Errorf("simpleCommand(%q) = %q, %v; want %q", tt.script, got, ok, tt.want)
		}
	}
}

func TestRun_SimpleCommandsRunDirectly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.write("bin/tool", "#!/bin/sh\necho \"$0 $*\" > \"$MLCD_OUT/args\"\n")
	os.Chmod(filepath.Join(e.dir, "bin/tool"), 0o755)
	r := e.run(pipe("p",
		sh("direct", "bin/tool a --b=c"),
		sh("missing", "no-such-program-mlcd x"),
	))
	if rec := r.Task("direct"); rec.Status != pipeline.StatusSuccess || rec.Output("args") == nil {
		t.Fatalf("direct: %s %q", rec.Status, rec.Error)
	}
	// Not found as a program: sh runs it and says why (exit 127).
	if rec := r.Task("missing"); rec.Status != pipeline.StatusFailed || rec.Attempts[0].ExitCode != 127 {
		t.Errorf("missing: %s, attempts %+v", rec.Status, rec.Attempts)
	}
	if !strings.Contains(e.out.String(), "[missing] sh: 1: no-such-program-mlcd: not found") && !strings.Contains(e.out.String(), "no-such-program-mlcd: not found") {
		t.Errorf("the shell's message is missing:\n%s", e.out.String())
	}
}
