package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/tracking"
)

// Kinds of LogEntry the MLflow tracking endpoint writes (docs/mlflow.md).
const (
	LogMLflowRun    = "mlflow_run"    // Name: the run id; Value: a pipeline.TrackedRun in JSON
	LogModel        = "model"         // Name: the model; Value: its folder among the outputs
	LogStageRequest = "stage_request" // Value: a pipeline.StageRequest in JSON
)

// taskRecorder writes what an attempt logs through the MLflow API into the
// attempt's MLCD_LOG_FILE, the file `mlcd log` appends to, so that the
// record is built from one place. Each call is one write(2) of whole lines
// on a file opened with O_APPEND: once acknowledged, an event survives the
// task being killed.
type taskRecorder struct {
	path  string
	notes *noteWriter

	mu  sync.Mutex
	f   *os.File
	buf []byte
}

var _ tracking.Recorder = (*taskRecorder)(nil)

func (r *taskRecorder) Record(evs ...tracking.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("mlcd log file: %w", err)
		}
		r.f = f
	}
	r.buf = r.buf[:0]
	for _, ev := range evs {
		e, err := entryOf(ev)
		if err != nil {
			return err
		}
		if line, ok := appendMetricLine(r.buf, e); ok {
			r.buf = line
			continue
		}
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("log %s: %w", e.Kind, err)
		}
		r.buf = append(append(r.buf, line...), '\n')
	}
	if _, err := r.f.Write(r.buf); err != nil {
		return fmt.Errorf("mlcd log file: %w", err)
	}
	return nil
}

func (r *taskRecorder) Note(msg string) { r.notes.write(msg) }

func (r *taskRecorder) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

// entryOf turns an event of the tracking endpoint into a log line.
func entryOf(ev tracking.Event) (LogEntry, error) {
	e := LogEntry{Kind: string(ev.Kind), Name: ev.Key, Value: ev.Value, Run: ev.Run, Time: ev.Time}
	if e.Time.IsZero() {
		e.Time = now()
	}
	var err error
	switch ev.Kind {
	case tracking.EventMetric:
		e.Value = strconv.FormatFloat(ev.Metric, 'g', -1, 64)
		step := ev.Step
		e.Step = &step
	case tracking.EventRun:
		e.Name = ev.Tracked.ID
		e.Value, err = jsonString(ev.Tracked)
	case tracking.EventModel:
		e.Name, e.Value = ev.Model.Name, ev.Model.File
	case tracking.EventRequest:
		e.Name = ev.Request.Model
		e.Value, err = jsonString(ev.Request)
	}
	if err == nil {
		err = e.Check()
	}
	return e, err
}

func jsonString(v any) (string, error) {
	data, err := json.Marshal(v)
	return string(data), err
}

// noteWriter lets the tracking endpoint add a line to the output of the
// task while its command runs (the output pipe's write end, kept open by
// mlcd until the command exits).
type noteWriter struct {
	task string
	mu   sync.Mutex
	w    *os.File
}

func (n *noteWriter) attach(w *os.File) {
	n.mu.Lock()
	n.w = w
	n.mu.Unlock()
}

// detach closes the pipe end, so that the output copy sees the end.
func (n *noteWriter) detach() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.w != nil {
		n.w.Close()
		n.w = nil
	}
}

func (n *noteWriter) write(msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.w != nil {
		_, _ = n.w.WriteString("[mlcd] " + msg + "\n")
	}
}

// openTracking opens the attempt's session on the run's tracking server;
// nil when tracking is off.
func (s *scheduler) openTracking(j job, dirs *attemptDirs) *tracking.Session {
	if s.tracking == nil {
		return nil
	}
	dirs.notes = &noteWriter{task: j.n.task.Name}
	dirs.rec = &taskRecorder{path: dirs.mlcdLog, notes: dirs.notes}
	return s.tracking.Open(tracking.Task{Name: j.n.task.Name, Attempt: j.attempt, OutDir: dirs.out, Model: j.n.task.Model, Recorder: dirs.rec})
}

// checkTrackingEntry checks a line the tracking endpoint wrote.
func checkTrackingEntry(e LogEntry) error {
	switch e.Kind {
	case LogMLflowRun:
		var tr pipeline.TrackedRun
		if err := json.Unmarshal([]byte(e.Value), &tr); err != nil {
			return fmt.Errorf("mlflow run %s: %w", e.Name, err)
		}
		if tr.ID == "" || tr.ID != e.Name {
			return fmt.Errorf("mlflow run %q: its id says %q", e.Name, tr.ID)
		}
	case LogModel:
		if e.Value == "" || !filepath.IsLocal(filepath.FromSlash(e.Value)) {
			return fmt.Errorf("model %s: folder %q is not inside the outputs", e.Name, e.Value)
		}
	case LogStageRequest:
		var sr pipeline.StageRequest
		if err := json.Unmarshal([]byte(e.Value), &sr); err != nil {
			return fmt.Errorf("stage request of %s: %w", e.Name, err)
		}
	}
	return nil
}

// applyTrackingEntry applies a checked line of the tracking endpoint: a
// run's latest state replaces the earlier one, in creation order.
func applyTrackingEntry(e LogEntry, rep *report) {
	switch e.Kind {
	case LogMLflowRun:
		var tr pipeline.TrackedRun
		_ = json.Unmarshal([]byte(e.Value), &tr) // checked
		for i := range rep.MLflowRuns {
			if rep.MLflowRuns[i].ID == tr.ID {
				rep.MLflowRuns[i] = tr
				return
			}
		}
		rep.MLflowRuns = append(rep.MLflowRuns, tr)
	case LogModel:
		rep.Model = &pipeline.ModelSpec{Name: e.Name, File: e.Value}
	case LogStageRequest:
		var sr pipeline.StageRequest
		_ = json.Unmarshal([]byte(e.Value), &sr) // checked
		rep.StageRequests = append(rep.StageRequests, sr)
	}
}

// prefixOf is the name prefix in the record of what MLflow run id logs.
func (rep *report) prefixOf(id string) string {
	for _, tr := range rep.MLflowRuns {
		if tr.ID == id {
			return tr.Prefix
		}
	}
	return ""
}

// startTracking starts the run's MLflow endpoint and adds
// MLFLOW_EXPERIMENT_NAME to the tasks' shared environment, unless mlcd's
// own environment sets it. stop closes the endpoint.
func (s *scheduler) startTracking(p *pipeline.Pipeline) (stop func(), err error) {
	srv := tracking.New(tracking.Options{Pipeline: p.Name, RunID: s.run.ID, Dir: s.opts.Dir, Logger: s.opts.Logger})
	if err := srv.Start(); err != nil {
		return nil, err
	}
	s.tracking = srv
	if _, set := os.LookupEnv(tracking.EnvExperimentName); !set {
		s.baseEnv = append(srv.DefaultEnv(), s.baseEnv...)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			s.log.Warn("tracking endpoint not closed cleanly", "err", err)
		}
	}, nil
}

// appendMetricLine appends the log line of a metric entry whose strings
// need no JSON escaping, as json.Marshal would write it, without its
// reflection: a metric is what a training loop logs by the thousand. ok is
// false for any other entry.
func appendMetricLine(b []byte, e LogEntry) (out []byte, ok bool) {
	if e.Kind != LogMetric || e.Step == nil || !plainJSON(e.Name) || !plainJSON(e.Value) || !plainJSON(e.Run) {
		return b, false
	}
	b = append(b, `{"kind":"metric","name":"`...)
	b = append(b, e.Name...)
	b = append(b, `","value":"`...)
	b = append(b, e.Value...)
	b = append(b, `","step":`...)
	b = strconv.AppendInt(b, *e.Step, 10)
	b = append(b, `,"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	if e.Run != "" {
		b = append(b, `,"run":"`...)
		b = append(b, e.Run...)
		b = append(b, '"')
	}
	return append(b, "}\n"...), true
}

// plainJSON reports whether s is written as is inside a JSON string.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
