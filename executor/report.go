package executor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Files a task may leave in MLCD_OUT to report what it did.
const (
	MetricsFile = "metrics.json" // {"name": number, ...}
	ParamsFile  = "params.json"  // {"name": string | number | bool, ...}
	TagsFile    = "tags.json"    // {"name": string, ...}
)

// report is what one successful attempt produced.
type report struct {
	Outputs       []pipeline.Output
	Params        pipeline.Params
	Metrics       map[string]float64
	MetricHistory map[string][]pipeline.MetricPoint
	Tags          map[string]string
	// What the task logged through the MLflow tracking endpoint.
	MLflowRuns    []pipeline.TrackedRun
	Model         *pipeline.ModelSpec // a model registered with model-versions/create
	StageRequests []pipeline.StageRequest
}

// collect stores the outputs of a finished attempt and reads its metrics,
// params and tags: first the `mlcd log` lines, then the JSON files, whose
// values win.
// empty says the attempt left MLCD_OUT as it found it: no file, no folder.
func (s *scheduler) collect(ctx context.Context, j job, dirs attemptDirs) (rep report, empty bool, err error) {
	outs, empty, err := collectOutputs(ctx, s.opts.Store, dirs.out)
	if err != nil {
		return rep, false, err
	}
	rep.Outputs = outs
	if err := readLogFile(dirs.mlcdLog, &rep); err != nil {
		return rep, false, err
	}
	present := map[string]bool{}
	for _, o := range outs {
		present[o.Path] = true
	}
	if err := readReportFiles(dirs.out, present, &rep); err != nil {
		return rep, false, err
	}
	s.maskReport(&rep)
	return rep, empty, nil
}

// maskReport replaces the values of mlcd's secrets in the text a task
// reported (tags and string params), which goes into the run record and
// the report.
func (s *scheduler) maskReport(rep *report) {
	if len(s.masks) == 0 {
		return
	}
	mask := func(v string) string {
		for _, m := range s.masks {
			v = strings.ReplaceAll(v, m, secretMask)
		}
		return v
	}
	tags := make(map[string]string, len(rep.Tags))
	for k, v := range rep.Tags {
		tags[mask(k)] = mask(v)
	}
	if rep.Tags != nil {
		rep.Tags = tags
	}
	for k, v := range rep.Params {
		if str, ok := v.(string); ok {
			rep.Params[k] = mask(str)
		}
	}
}

// readReportFiles reads the report files among the outputs (present).
func readReportFiles(outDir string, present map[string]bool, rep *report) error {
	read := func(name string) ([]byte, bool, error) {
		if !present[name] {
			return nil, false, nil
		}
		return readOptional(filepath.Join(outDir, name))
	}
	if data, ok, err := read(MetricsFile); err != nil || ok {
		if err == nil {
			err = parseMetrics(data, rep)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", MetricsFile, err)
		}
	}
	if data, ok, err := read(ParamsFile); err != nil || ok {
		if err == nil {
			err = parseParams(data, rep)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", ParamsFile, err)
		}
	}
	if data, ok, err := read(TagsFile); err != nil || ok {
		if err == nil {
			err = parseTags(data, rep)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", TagsFile, err)
		}
	}
	return nil
}

func readOptional(path string) ([]byte, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	return data, err == nil, err
}

func parseMetrics(data []byte, rep *report) error {
	var m map[string]float64
	if err := decodeObject(data, &m); err != nil {
		return err
	}
	for k, v := range m {
		if rep.Metrics == nil {
			rep.Metrics = map[string]float64{}
		}
		rep.Metrics[k] = v
	}
	return nil
}

func parseTags(data []byte, rep *report) error {
	var m map[string]string
	if err := decodeObject(data, &m); err != nil {
		return err
	}
	for k, v := range m {
		if rep.Tags == nil {
			rep.Tags = map[string]string{}
		}
		rep.Tags[k] = v
	}
	return nil
}

func parseParams(data []byte, rep *report) error {
	var m map[string]json.RawMessage
	if err := decodeObject(data, &m); err != nil {
		return err
	}
	for k, raw := range m {
		v, err := scalar(raw)
		if err != nil {
			return fmt.Errorf("param %q: %w", k, err)
		}
		if rep.Params == nil {
			rep.Params = pipeline.Params{}
		}
		rep.Params[k] = v
	}
	return nil
}

// scalar decodes a JSON string, number (int64 when integral) or bool.
func scalar(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case string, bool:
		return v, nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		return v.Float64()
	}
	return nil, errors.New("must be a string, a number or a boolean")
}

// decodeObject decodes one JSON object, with line:col in syntax and type
// errors.
func decodeObject(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty file")
		}
		return pipeline.JSONPosition(data, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return pipeline.JSONPosition(data, fmt.Errorf("data after the JSON object (offset %d)", dec.InputOffset()))
	}
	return nil
}

// LogEntry is one `mlcd log` call, a line of the MLCD_LOG_FILE.
type LogEntry struct {
	Kind  string    `json:"kind"` // metric, param or tag
	Name  string    `json:"name"`
	Value string    `json:"value"`
	Step  *int64    `json:"step,omitempty"` // metric only; nil: the next step
	Time  time.Time `json:"time"`
	// Run is the MLflow run a metric, param or tag was logged to through
	// the tracking endpoint; its name prefix in the record is the run's.
	Run string `json:"run,omitempty"`
}

// Kinds of LogEntry.
const (
	LogMetric = "metric"
	LogParam  = "param"
	LogTag    = "tag"
)

// Check reports what is wrong with e, if anything.
func (e LogEntry) Check() error {
	if e.Name == "" || len(e.Name) > 250 {
		return fmt.Errorf("%s name must have 1 to 250 characters", e.Kind)
	}
	for _, c := range e.Name {
		if c < ' ' || c == 0x7f {
			return fmt.Errorf("%s name %q has a control character", e.Kind, e.Name)
		}
	}
	switch e.Kind {
	case LogMetric:
		v, err := strconv.ParseFloat(e.Value, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("metric %s: value %q is not a finite number", e.Name, e.Value)
		}
	case LogParam, LogTag:
		if e.Step != nil {
			return fmt.Errorf("%s %s: only metrics have steps", e.Kind, e.Name)
		}
	case LogMLflowRun, LogModel, LogStageRequest:
		return checkTrackingEntry(e)
	default:
		return fmt.Errorf("unknown kind %q (want metric, param or tag)", e.Kind)
	}
	return nil
}

// AppendLog appends e to the log file of the current task (the path in
// MLCD_LOG_FILE). One write with O_APPEND: concurrent calls do not mix.
func AppendLog(path string, e LogEntry) error {
	if err := e.Check(); err != nil {
		return err
	}
	if e.Time.IsZero() {
		e.Time = now()
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("log %s: %w", e.Kind, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("log %s: %w", e.Kind, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("log %s: %w", e.Kind, err)
	}
	return f.Close()
}

func readLogFile(path string, rep *report) error {
	data, ok, err := readOptional(path)
	if err != nil || !ok {
		return err
	}
	if err := parseLog(data, rep); err != nil {
		return fmt.Errorf("mlcd log file: %w", err)
	}
	return nil
}

// parseLog applies the lines of an MLCD_LOG_FILE to rep, in order. A
// metric without a step gets the step after the metric's last one.
func parseLog(data []byte, rep *report) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if err := e.Check(); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		applyLog(e, rep)
	}
	return sc.Err()
}

func applyLog(e LogEntry, rep *report) {
	if e.Run != "" {
		e.Name = rep.prefixOf(e.Run) + e.Name
	}
	switch e.Kind {
	case LogMetric:
		v, _ := strconv.ParseFloat(e.Value, 64) // checked
		if rep.MetricHistory == nil {
			rep.MetricHistory = map[string][]pipeline.MetricPoint{}
			rep.Metrics = map[string]float64{}
		}
		hist := rep.MetricHistory[e.Name]
		var step int64
		if e.Step != nil {
			step = *e.Step
		} else if len(hist) > 0 {
			step = hist[len(hist)-1].Step + 1
		}
		rep.MetricHistory[e.Name] = append(hist, pipeline.MetricPoint{Step: step, Value: v, Time: e.Time})
		rep.Metrics[e.Name] = v
	case LogParam:
		if rep.Params == nil {
			rep.Params = pipeline.Params{}
		}
		rep.Params[e.Name] = ParseValue(e.Value)
	case LogTag:
		if rep.Tags == nil {
			rep.Tags = map[string]string{}
		}
		rep.Tags[e.Name] = e.Value
	default:
		applyTrackingEntry(e, rep)
	}
}

// ParseValue reads a param value typed on a command line: an integer, a
// float, true/false, or else the string itself.
func ParseValue(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	return s
}
