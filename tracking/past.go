package tracking

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// pastRuns are the MLflow runs that the checkout's run records name.
type pastRuns struct {
	byID        map[string]*pastRun
	order       []*pastRun
	experiments map[string]bool
}

type pastRun struct {
	run     *pipeline.Run
	task    *pipeline.TaskRecord
	tracked pipeline.TrackedRun
	file    string // the record's slash path in the checkout

	histOnce sync.Once
	hist     map[string][]pipeline.MetricPoint // the task's histories
}

// pastRuns loads the records once, on the first read that needs them. A
// record that does not load is skipped with a warning: reads of the
// others still answer.
func (s *Server) pastRuns() *pastRuns {
	s.pastOnce.Do(func() {
		s.past = &pastRuns{byID: map[string]*pastRun{}, experiments: map[string]bool{}}
		if s.opts.Dir == "" || s.opts.Pipeline == "" {
			return
		}
		fsys := os.DirFS(s.opts.Dir)
		files, err := pipeline.RunFiles(fsys, s.opts.Pipeline)
		if err != nil {
			s.log.Warn("past runs not read", "err", err)
			return
		}
		for _, f := range files {
			s.addPast(f)
		}
	})
	return s.past
}

func (s *Server) addPast(file string) {
	r, err := pipeline.ReadRun(filepath.Join(s.opts.Dir, filepath.FromSlash(file)))
	if err != nil {
		s.log.Warn("run record not read", "file", file, "err", err)
		return
	}
	if r.ID == s.opts.RunID {
		return
	}
	for _, t := range r.Tasks {
		for _, tr := range t.MLflowRuns {
			p := &pastRun{run: r, task: t, tracked: tr, file: file}
			s.past.byID[tr.ID] = p
			s.past.order = append(s.past.order, p)
			s.past.experiments[tr.Experiment] = true
		}
	}
}

func (s *Server) pastRun(id string) *pastRun {
	return s.pastRuns().byID[id]
}

// owns reports whether key of p's task belongs to p: under p's prefix, or,
// for the task's first run, under no other run's prefix.
func (p *pastRun) owns(key string) (string, bool) {
	if p.tracked.Prefix != "" {
		return strings.CutPrefix(key, p.tracked.Prefix)
	}
	for _, o := range p.task.MLflowRuns {
		if o.Prefix != "" && strings.HasPrefix(key, o.Prefix) {
			return "", false
		}
	}
	return key, true
}

func (s *Server) pastJSON(p *pastRun) runJSON {
	tr := p.tracked
	x := s.findExperiment(tr.Experiment)
	expID := ""
	if x != nil {
		expID = x.ID
	}
	out := runJSON{Info: runInfoJSON{RunID: tr.ID, RunUUID: tr.ID, RunName: tr.Name, ExperimentID: expID, Status: tr.Status,
		StartTime: ms(tr.Start), EndTime: ms(tr.End), ArtifactURI: artifactURI(expID, tr.ID), LifecycleStage: "active"}}
	end := ms(p.task.End)
	for k, v := range p.task.Metrics {
		name, ok := p.owns(k)
		if !ok {
			continue
		}
		m := metricJSON{Key: name, Value: v, Timestamp: end}
		if h := s.pastHistory(p, name); len(h) > 0 && h[len(h)-1].Value == v {
			m.Timestamp, m.Step = h[len(h)-1].Timestamp, h[len(h)-1].Step
		}
		out.Data.Metrics = append(out.Data.Metrics, m)
	}
	sort.Slice(out.Data.Metrics, func(i, j int) bool { return out.Data.Metrics[i].Key < out.Data.Metrics[j].Key })
	params := map[string]string{}
	for k, v := range p.task.Params {
		if name, ok := p.owns(k); ok {
			params[name] = formatParam(v)
		}
	}
	tags := map[string]string{tagRunName: tr.Name, "mlcd.run_id": p.run.ID, "mlcd.task": p.task.Name}
	if tr.Parent != "" {
		tags[tagParentRun] = tr.Parent
	}
	for k, v := range p.task.Tags {
		if name, ok := p.owns(k); ok {
			tags[name] = v
		}
	}
	out.Data.Params, out.Data.Tags = sortedKV(params), sortedKV(tags)
	return out
}

// formatParam writes a recorded param back as the string MLflow logged.
func formatParam(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// pastHistory is the history of metric key of p, read from the record's
// history file the first time.
func (s *Server) pastHistory(p *pastRun, key string) []metricJSON {
	p.histOnce.Do(func() {
		r := *p.run
		r.Tasks = make([]*pipeline.TaskRecord, len(p.run.Tasks))
		for i, t := range p.run.Tasks {
			c := *t
			r.Tasks[i] = &c
		}
		if err := pipeline.LoadHistory(os.DirFS(s.opts.Dir), path.Clean(p.file), &r); err != nil {
			s.log.Warn("metric history not read", "run", p.run.ID, "err", err)
			return
		}
		if t := r.Task(p.task.Name); t != nil {
			p.hist = t.MetricHistory
		}
	})
	var out []metricJSON
	full := p.tracked.Prefix + key
	for _, pt := range p.hist[full] {
		out = append(out, metricJSON{Key: key, Value: pt.Value, Timestamp: ms(pt.Time), Step: pt.Step})
	}
	return out
}
