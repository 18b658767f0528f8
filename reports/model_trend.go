package reports

import (
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// ownParams are the params a task reported itself, formatted, by name:
// what a model version was trained with, without the run's params that
// other tasks used (a random forest's rf_* on an XGBoost version).
func ownParams(t *pipeline.TaskRecord) []nameValue {
	out := make([]nameValue, 0, len(t.Params))
	for _, k := range sortedKeys(t.Params) {
		out = append(out, nameValue{k, formatValue(t.Params[k])})
	}
	return out
}

// versionParams returns the params of the task that trained a version,
// from its run's record; ok is false when the record or the task is not
// there. The registry's version file holds the run's params merged with
// the task's, so it cannot tell them apart.
func (p *pass) versionParams(r *runRow, task string) (params []nameValue, ok bool, err error) {
	key := r.File + "\x00" + task
	p.mu.Lock()
	params, ok = p.taskParams[key]
	p.mu.Unlock()
	if ok {
		return params, true, nil
	}
	run, _, err := readRecord(p.records, r.File)
	if err != nil {
		return nil, false, err
	}
	t := run.Task(task)
	if t == nil {
		return nil, false, nil
	}
	params = ownParams(t)
	p.mu.Lock()
	p.taskParams[key] = params
	p.mu.Unlock()
	return params, true, nil
}

// versionTrend draws the promotion metric of every version of m, oldest
// first, the Production version marked; nil when mlcd.yaml names no
// promotion metric or no version has it.
func versionTrend(m *registry.Model, g goals, byRun map[string]*runRow) *pointChart {
	if g.Metric == "" {
		return nil
	}
	var pts []pointIn
	for _, v := range m.Versions {
		val, ok := v.Metrics[g.Metric]
		if !ok {
			continue
		}
		title := "v" + strconv.Itoa(v.Version)
		if v.Stage != registry.StageNone && v.Stage != "" {
			title += " (" + string(v.Stage) + ")"
		}
		title += ": " + g.Metric + " = " + formatFloat(val) + " · run " + v.RunID + " · commit " + shortCommit(v.Commit)
		pt := pointIn{X: float64(v.Version), Y: val, Title: title, Mark: v.Stage == registry.StageProduction}
		if r := byRun[runKey(v.Pipeline, v.RunID)]; r != nil {
			pt.Href = r.href("../../")
		}
		pts = append(pts, pt)
	}
	if len(pts) == 0 {
		return nil
	}
	goal := "higher is better"
	if g.Goal == "min" {
		goal = "lower is better"
	}
	c := newPointChart(g.Metric+" across versions ("+goal+"; ringed: Production)", "version", g.Metric,
		[]string{m.Name}, pts, func(v, step float64) string { return "v" + strings.TrimSuffix(formatNice(v, step), ".0") }, 1, true)
	return &c
}
