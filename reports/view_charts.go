package reports

import (
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
)

// The charts across runs (runs/charts.html): a metric over time and by
// commit, a param against it, and parallel coordinates. The promotion
// metric is drawn here, from the run summaries the manifest keeps; the
// page also carries the drawn runs' metric and param values
// (chartsdata.go), from which static/charts.js draws any other metric,
// param and the parallel coordinates when the reader picks them. A dot is
// about 200 bytes (its link and values) and a run's values up to a few
// hundred, so the page draws at most chartDots dots: the latest runs that
// fit.

// chartDots bounds the dots of the charts page, keeping it under 1 MB.
const chartDots = 2000

// maxChartRuns bounds the runs the charts page draws.
const maxChartRuns = 500

// chartValues bounds the metric values the page carries (drawn runs ×
// metric columns): about 10 bytes each.
const chartValues = 30000

type chartsView struct {
	Metric, Goal string
	Runs, Total  int // drawn, and in the repository
	Time, Commit *pointChart
	Scatter      *pointChart
	X            string   // the scatter's param
	Metrics      []string // the metric names a reader can pick, the promotion metric first
	Params       []string // the params a reader can put on the scatter's x axis
	Data         template.JS
}

// chartsPage writes runs/charts.html.
func (p *pass) chartsPage(rows []*runRow, models []*registry.Model, byRun map[string]*runRow) error {
	prod := map[string]bool{} // run file and task of each Production version
	for _, m := range models {
		if v := m.Production(); v != nil {
			if r := byRun[runKey(v.Pipeline, v.RunID)]; r != nil {
				prod[r.File+"\x00"+v.Task] = true
			}
		}
	}
	cols := promoColumns(rows, p.m.names)
	n := min(len(rows), maxChartRuns)
	if len(cols) > 0 {
		n = min(n, chartDots/(3*len(cols)))
	}
	if all := len(metricColumns(rows[len(rows)-n:], p.m.names)); all > 0 {
		n = min(n, chartValues/all)
	}
	drawn := rows[len(rows)-n:]
	params := scatterParams(drawn, p.m.names)
	prodKeys := sortedKeys(prod)
	hash := pageHash("charts", p.goals.Metric, p.goals.Goal, strings.Join(cols, "\x00"), strings.Join(prodKeys, "\x00"), strconv.Itoa(len(rows)), drawn)
	return p.emit("runs/charts.html", hash, func() ([]byte, error) {
		if err := p.loadMetricValues(drawn); err != nil {
			return nil, err
		}
		all := metricColumns(drawn, p.m.names)
		v := &chartsView{Metric: p.goals.Metric, Goal: p.goals.Goal, Runs: n, Total: len(rows), Params: params}
		if len(params) > 0 {
			v.X = params[0]
		}
		for _, g := range metricGroups(all, cols, p.goals.Metric) {
			v.Metrics = append(v.Metrics, g.Name)
		}
		v.Data = chartsData(chartPayload{metric: p.goals.Metric, goal: p.goals.Goal, x: v.X, cols: all, promo: cols,
			params: params, rows: drawn, prod: prod, names: p.m.names})
		if len(cols) > 0 {
			d := chartData{rows: drawn, cols: cols, prod: prod, names: p.m.names, metric: p.goals.Metric}
			v.Time, v.Commit = d.overTime(), d.byCommit()
			if v.X != "" {
				sc := d.scatter(v.X)
				v.Scatter = &sc
			}
		}
		return p.b.render("charts", page0("Charts across runs", "../", v))
	})
}

// promoColumns lists the promotion metric's columns that some run has.
func promoColumns(rows []*runRow, names *interner) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.PromoKeys {
			seen[names.name(k)] = true
		}
	}
	return sortedKeys(seen)
}

// scatterParams lists the params that take more than one value: the
// run's, then those tasks reported ("task.param"), each by name.
func scatterParams(rows []*runRow, names *interner) []string {
	var out []string
	for _, pick := range []func(r *runRow) (nameIDs, []string){
		func(r *runRow) (nameIDs, []string) { return r.ParamKeys, r.ParamVals },
		func(r *runRow) (nameIDs, []string) { return r.TaskParamKeys, r.TaskParamVals },
	} {
		values := map[string]map[string]bool{}
		for _, r := range rows {
			keys, vals := pick(r)
			for j, k := range keys {
				name := names.name(k)
				if values[name] == nil {
					values[name] = map[string]bool{}
				}
				values[name][vals[j]] = true
			}
		}
		for _, name := range sortedKeys(values) {
			if len(values[name]) > 1 {
				out = append(out, name)
			}
		}
	}
	return out
}

// chartData is what the charts of the page are drawn from.
type chartData struct {
	rows   []*runRow
	cols   []string
	prod   map[string]bool
	names  *interner
	metric string // the promotion metric: a column is "<task>.<metric>"
}

// points calls x for each run and makes a dot for each of its values of
// the promotion metric; x returns false to leave the run out.
func (d chartData) points(x func(r *runRow) (float64, string, bool)) []pointIn {
	at := map[string]int{}
	for i, c := range d.cols {
		at[c] = i
	}
	var pts []pointIn
	for _, r := range d.rows {
		xv, xText, ok := x(r)
		if !ok {
			continue
		}
		for j, k := range r.PromoKeys {
			col := d.names.name(k)
			task := col[:max(0, len(col)-len(d.metric)-1)]
			mark := d.prod[r.File+"\x00"+task]
			title := r.Pipeline + "/" + r.ID + " · " + col + " = " + formatFloat(r.PromoVals[j]) + " · " + xText + " · commit " + shortCommit(r.Commit)
			if mark {
				title += " · Production"
			}
			pts = append(pts, pointIn{X: xv, Y: r.PromoVals[j], Series: at[col], Href: r.sel() + ".html", Title: title, Mark: mark})
		}
	}
	return pts
}

func (d chartData) title(what string) string {
	return strings.Join(d.cols, ", ") + " " + what + " (ringed: Production)"
}

// overTime draws the metric by the runs' start, in seconds, minutes,
// hours or days by the time the runs span, so that ticks fall on round
// times (10 s, 5 min, 2 h, 1 day).
func (d chartData) overTime() *pointChart {
	var first, last time.Time
	for _, r := range d.rows {
		if !r.Start.IsZero() {
			if first.IsZero() {
				first = r.Start
			}
			last = r.Start
		}
	}
	span, unit := last.Sub(first), 86400.0
	switch {
	case span < 10*time.Minute:
		unit = 1
	case span < 10*time.Hour:
		unit = 60
	case span < 72*time.Hour:
		unit = 3600
	}
	pts := d.points(func(r *runRow) (float64, string, bool) {
		if r.Start.IsZero() {
			return 0, "", false
		}
		return float64(r.Start.Unix()) / unit, formatTime(r.Start), true
	})
	c := newPointChart(d.title("over time"), "run start (UTC)", d.metric, d.cols, pts, timeTick(unit), 1, false)
	return &c
}

// timeTick labels ticks of a time axis in units of unit seconds.
func timeTick(unit float64) func(v, step float64) string {
	return func(v, step float64) string {
		t := time.Unix(int64(math.Round(v*unit)), 0).UTC()
		switch secs := step * unit; {
		case secs < 60:
			return t.Format("15:04:05")
		case secs < 86400:
			return t.Format("Jan 2 15:04")
		}
		return t.Format("Jan 2")
	}
}

// byCommit draws the metric by commit, commits in the order their first
// run started; runs of one commit share a column.
func (d chartData) byCommit() *pointChart {
	index := map[string]int{}
	var commits []string
	for _, r := range d.rows {
		if _, ok := index[r.Commit]; !ok {
			index[r.Commit] = len(commits)
			commits = append(commits, r.Commit)
		}
	}
	pts := d.points(func(r *runRow) (float64, string, bool) {
		return float64(index[r.Commit]), formatTime(r.Start), true
	})
	label := func(v, step float64) string {
		i := int(math.Round(v))
		if i < 0 || i >= len(commits) || math.Abs(v-float64(i)) > 1e-6 {
			return ""
		}
		return shortCommit(commits[i])[:min(7, len(shortCommit(commits[i])))]
	}
	c := newPointChart(d.title("by commit"), "commit", d.metric, d.cols, pts, label, 1, false)
	return &c
}

// scatter draws the metric against the param name: numbers on a scale,
// other values one column each, in order.
func (d chartData) scatter(name string) pointChart {
	id := d.names.id(name)
	value := func(r *runRow) (string, bool) {
		for j, k := range r.ParamKeys {
			if k == id {
				return r.ParamVals[j], true
			}
		}
		for j, k := range r.TaskParamKeys {
			if k == id {
				return r.TaskParamVals[j], true
			}
		}
		return "", false
	}
	numeric := true
	var cats []string
	seen := map[string]bool{}
	for _, r := range d.rows {
		if v, ok := value(r); ok {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				numeric = false
			}
			if !seen[v] {
				seen[v] = true
				cats = append(cats, v)
			}
		}
	}
	sort.Strings(cats)
	at := map[string]int{}
	for i, c := range cats {
		at[c] = i
	}
	pts := d.points(func(r *runRow) (float64, string, bool) {
		v, ok := value(r)
		if !ok {
			return 0, "", false
		}
		if numeric {
			f, _ := strconv.ParseFloat(v, 64)
			return f, name + " = " + v, true
		}
		return float64(at[v]), name + " = " + v, true
	})
	var tickLabel func(v, step float64) string // nil: numbers
	minStep := 0.0
	if !numeric {
		minStep = 1
		tickLabel = func(v, step float64) string {
			i := int(math.Round(v))
			if i < 0 || i >= len(cats) || math.Abs(v-float64(i)) > 1e-6 {
				return ""
			}
			return truncate(cats[i], 14)
		}
	}
	return newPointChart(name+" against "+strings.Join(d.cols, ", "), name, d.metric, d.cols, pts, tickLabel, minStep, false)
}
