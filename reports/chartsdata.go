package reports

import (
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// The charts page draws the promotion metric as SVG written here; any
// other metric, any param on the scatter's x axis and the parallel
// coordinates are drawn in the browser (static/charts.js) from the drawn
// runs' values, which the page carries once as JSON:
//
//	{"metric": "f1", "goal": "max", "x": "n_estimators",
//	 "cols": ["train_rf.f1", ...],          every metric column of the runs
//	 "groups": [["f1", [0, 3]], ...],       metric names and their columns, the promotion metric first
//	 "params": ["n_estimators", ...],       params that take more than one value
//	 "commits": ["<sha>", ...],             in the order their first run started
//	 "runs": [[sel, "pipeline/id", start unix, commit index, "prod task\n...",
//	           ["col value", ...], ["param value", ...]], ...]}
//
// Values are strings as the pages print them (formatFloat), "" when a run
// has none, so a dot's hover says what the tables say. With 80 metric
// columns that is about 800 bytes a run.

// chartPayload is what chartsData encodes.
type chartPayload struct {
	metric, goal, x string
	cols            []string
	promo           []string // the promotion metric's columns
	params          []string
	rows            []*runRow
	prod            map[string]bool // run file and task of each Production version
	names           *interner
}

// metricGroups lists the metric names of cols ("task.metric"), each with
// the indexes of its columns: the promotion metric's (promo) first, the
// others by name.
func metricGroups(cols, promo []string, metric string) []metricGroup {
	at := map[string]int{}
	for i, c := range cols {
		at[c] = i
	}
	byName := map[string][]int{}
	for i, c := range cols {
		if _, name, ok := strings.Cut(c, "."); ok && name != metric {
			byName[name] = append(byName[name], i)
		}
	}
	var out []metricGroup
	if len(promo) > 0 {
		g := metricGroup{Name: metric}
		for _, c := range promo {
			if i, ok := at[c]; ok {
				g.Cols = append(g.Cols, i)
			}
		}
		out = append(out, g)
	}
	for _, name := range sortedKeys(byName) {
		out = append(out, metricGroup{Name: name, Cols: byName[name]})
	}
	return out
}

type metricGroup struct {
	Name string
	Cols []int
}

// chartsData writes the payload as JSON for a script element: every
// string goes through appendJSONString, which escapes "<", so no value
// can end the element.
func chartsData(d chartPayload) template.JS {
	b := make([]byte, 0, 1024+len(d.rows)*(64+10*len(d.cols)))
	b = append(b, `{"metric":`...)
	b = appendJSONString(b, d.metric)
	b = append(b, `,"goal":`...)
	b = appendJSONString(b, d.goal)
	b = append(b, `,"x":`...)
	b = appendJSONString(b, d.x)
	b = append(b, `,"cols":`...)
	b = appendJSONStrings(b, d.cols)
	b = append(b, `,"groups":[`...)
	for i, g := range metricGroups(d.cols, d.promo, d.metric) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendJSONString(b, g.Name)
		b = append(b, ",["...)
		for j, c := range g.Cols {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(c), 10)
		}
		b = append(b, "]]"...)
	}
	b = append(b, `],"params":`...)
	b = appendJSONStrings(b, d.params)
	commits, index := commitOrder(d.rows)
	b = append(b, `,"commits":`...)
	b = appendJSONStrings(b, commits)
	b = append(b, `,"runs":[`...)
	colAt := indexOf(d.cols)
	paramAt := indexOf(d.params)
	vals := make([]string, len(d.cols))
	params := make([]string, len(d.params))
	for i, r := range d.rows {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, '[')
		b = appendJSONString(b, r.sel())
		b = append(b, ',')
		b = appendJSONString(b, r.Pipeline+"/"+r.ID)
		b = append(b, ',')
		var start int64
		if !r.Start.IsZero() {
			start = r.Start.Unix()
		}
		b = strconv.AppendInt(b, start, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(index[r.Commit]), 10)
		b = append(b, ',')
		b = appendJSONString(b, prodTasks(r, d.prod))
		clear(vals)
		for j, k := range r.metricKeys {
			if c, ok := colAt[d.names.name(k)]; ok && j < len(r.metricVals) {
				vals[c] = formatFloat(r.metricVals[j])
			}
		}
		clear(params)
		for j, k := range r.ParamKeys {
			if c, ok := paramAt[d.names.name(k)]; ok {
				params[c] = r.ParamVals[j]
			}
		}
		for j, k := range r.TaskParamKeys {
			if c, ok := paramAt[d.names.name(k)]; ok {
				params[c] = r.TaskParamVals[j]
			}
		}
		b = append(b, ',')
		b = appendJSONStrings(b, vals)
		b = append(b, ',')
		b = appendJSONStrings(b, params)
		b = append(b, ']')
	}
	b = append(b, "]}"...)
	return template.JS(b)
}

func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

func indexOf(names []string) map[string]int {
	at := make(map[string]int, len(names))
	for i, n := range names {
		at[n] = i
	}
	return at
}

// commitOrder lists the commits of rows in the order their first run
// started, and each one's index.
func commitOrder(rows []*runRow) ([]string, map[string]int) {
	index := map[string]int{}
	var commits []string
	for _, r := range rows {
		if _, ok := index[r.Commit]; !ok {
			index[r.Commit] = len(commits)
			commits = append(commits, r.Commit)
		}
	}
	return commits, index
}

// prodTasks lists, one a line, the tasks of r whose version is in
// Production.
func prodTasks(r *runRow, prod map[string]bool) string {
	var tasks []string
	prefix := r.File + "\x00"
	for k := range prod {
		if task, ok := strings.CutPrefix(k, prefix); ok {
			tasks = append(tasks, task)
		}
	}
	sort.Strings(tasks)
	return strings.Join(tasks, "\n")
}

// metricColumns lists the metric columns ("task.metric") of rows, by name.
func metricColumns(rows []*runRow, names *interner) []string {
	seen := map[int32]bool{}
	for _, r := range rows {
		for _, k := range r.metricKeys {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, names.name(k))
	}
	sort.Strings(out)
	return out
}
