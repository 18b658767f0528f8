package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
)

type nameValue struct{ Name, Value string }

// nameValues is a two-column table of a run page. A run can have hundreds
// of metrics, and html/template spends a reflective escaper call on every
// cell, so the rows are written here with the same escaping (escapeHTML).
type nameValues []nameValue

// Rows writes the table's rows.
func (nv nameValues) Rows() template.HTML { return nv.rows(`<td>`) }

// NumRows writes the rows with the values right-aligned as numbers.
func (nv nameValues) NumRows() template.HTML { return nv.rows(`<td class="num">`) }

func (nv nameValues) rows(valueCell string) template.HTML {
	n := 0
	for _, x := range nv {
		n += len(x.Name) + len(x.Value) + 48
	}
	// A run's metrics table is most of what its page's template writes:
	// a strings.Builder makes the HTML without copying it into a string.
	var sb strings.Builder
	sb.Grow(n)
	var b []byte // one row
	for _, x := range nv {
		b = append(b[:0], `<tr><td class="mono">`...)
		b = escapeHTML(b, x.Name)
		b = append(b, "</td>"...)
		b = append(b, valueCell...)
		b = escapeHTML(b, x.Value)
		b = append(b, "</td></tr>"...)
		sb.Write(b)
	}
	return template.HTML(sb.String())
}

type logView struct {
	Number   int
	ExitCode int
	Error    string
	SHA256   string
	Tail     string
	Href     string
}

type taskView struct {
	Name, Anchor, Status, Start, Duration, Error string
	JobID                                        string // the engine's job (docs/scale-out.md)
	Attempts                                     int
	CacheHit                                     bool
	Logs                                         []logView
}

// taskViews is a run page's tasks. Their table rows and log sections are
// written here, not by the template: html/template calls an escaper by
// reflection for each of their hundred values, 30 us a page. testdata/tasks.html holds the template they replaced, the
// test's oracle; every value goes through escapeHTML. Anchors are
// numbers and log links are built from checked digests.
type taskViews []taskView

// HasJobs reports whether a task ran as an engine's job: the table then
// has a job column.
func (ts taskViews) HasJobs() bool {
	for _, t := range ts {
		if t.JobID != "" {
			return true
		}
	}
	return false
}

// Rows writes the rows of the tasks table.
func (ts taskViews) Rows() template.HTML {
	var b []byte
	jobs := ts.HasJobs()
	for _, t := range ts {
		b = append(b, `<tr><td><a href="#task-`...)
		b = escapeHTML(b, t.Anchor)
		b = append(b, `">`...)
		b = escapeHTML(b, t.Name)
		b = append(b, `</a></td><td>`...)
		b = appendStatus(b, t.Status)
		b = append(b, `</td><td class="num">`...)
		b = strconv.AppendInt(b, int64(t.Attempts), 10)
		b = append(b, `</td><td>`...)
		if t.CacheHit {
			b = append(b, "hit"...)
		}
		if jobs {
			b = append(b, `</td><td class="mono">`...)
			b = escapeHTML(b, t.JobID)
		}
		b = append(b, `</td><td>`...)
		b = escapeHTML(b, t.Start)
		b = append(b, `</td><td class="num">`...)
		b = escapeHTML(b, t.Duration)
		b = append(b, `</td><td>`...)
		b = escapeHTML(b, t.Error)
		b = append(b, "</td></tr>\n"...)
	}
	return template.HTML(b)
}

// Logs writes each task's section of attempts and their logs.
func (ts taskViews) Logs() template.HTML {
	var b []byte
	for _, t := range ts {
		b = append(b, `<section id="task-`...)
		b = escapeHTML(b, t.Anchor)
		b = append(b, `"><h3>`...)
		b = escapeHTML(b, t.Name)
		b = append(b, "</h3>\n"...)
		for _, l := range t.Logs {
			b = append(b, `<p>attempt `...)
			b = strconv.AppendInt(b, int64(l.Number), 10)
			b = append(b, `: exit `...)
			b = strconv.AppendInt(b, int64(l.ExitCode), 10)
			if l.Error != "" {
				b = append(b, " — "...)
				b = escapeHTML(b, l.Error)
			}
			if l.Href != "" {
				b = append(b, ` · <a href="`...)
				b = escapeHTML(b, l.Href)
				b = append(b, `">whole log</a>`...)
			}
			b = append(b, "</p>\n"...)
			switch {
			case l.Tail != "":
				b = append(b, `<pre class="log">`...)
				b = escapeHTML(b, l.Tail)
				b = append(b, `</pre>`...)
			case l.SHA256 != "":
				b = append(b, `<p class="muted">log `...)
				b = escapeHTML(b, l.SHA256)
				b = append(b, ` not in the local store</p>`...)
			}
			b = append(b, '\n')
		}
		if len(t.Logs) == 0 {
			b = append(b, `<p class="muted">no attempts</p>`...)
		}
		b = append(b, "</section>\n"...)
	}
	return template.HTML(b)
}

// appendStatus writes a status badge, as the layout's "status" template.
func appendStatus(b []byte, status string) []byte {
	b = append(b, `<span class="st st-`...)
	b = escapeHTML(b, status)
	b = append(b, `">`...)
	b = escapeHTML(b, status)
	return append(b, `</span>`...)
}

type artifactView struct {
	Task, Path, SHA256 string
	Size               int64
	// Href links the copy in the site, Image shows it, Text is its
	// content shown inline; Note says why it is only listed.
	Href, Image, Text, Note string
}

type runView struct {
	Pipeline, ID, Sel, Status, Error       string
	Trigger, TriggerDetail, Commit, Branch string
	CommitHref, BranchHref                 string // on the forge; "" for none
	Dirty                                  bool
	Start, Duration                        string
	Tasks                                  taskViews
	Gantt                                  ganttView
	DAG                                    dagView
	Params, Metrics, Tags                  nameValues
	Charts                                 chartList // drawn in the page's slot
	Artifacts                              []artifactView
	arena                                  *chartArena // holds Charts' paths
}

// ChartSlot is where the run template wants the charts.
func (runView) ChartSlot() template.HTML { return slotMarker }

// runPage writes the run's page.
func (p *pass) runPage(run *pipeline.Run, series []pipeline.Series, row *runRow) error {
	page := runPagePath(row)
	hash := row.SHA256
	// The logs belong to the page even when the page is not rendered again
	// (same record read from another checkout): keep them.
	for _, l := range row.Logs {
		p.keep("logs/" + l + ".txt")
	}
	for _, a := range row.Shown {
		p.keep(a)
	}
	return p.emit(page, hash, func() ([]byte, error) {
		v, err := p.runView(run, series, row)
		if err != nil {
			return nil, err
		}
		out, err := p.b.renderSlotted("run", page0("Run "+run.ID, "../../", v), v.Charts.appendHTML)
		v.arena.release() // the charts are drawn into out, or not at all
		return out, err
	})
}

func page0(title, root string, data any) page { return page{Title: title, Root: root, Data: data} }

// runView lays out run's page; series are its metric histories, as
// readRun returns them.
func (p *pass) runView(run *pipeline.Run, series []pipeline.Series, row *runRow) (*runView, error) {
	v := &runView{
		Pipeline: run.Pipeline, ID: run.ID, Sel: row.sel(), Status: string(run.Status), Error: run.Error,
		Trigger: run.Trigger.Kind, TriggerDetail: run.Trigger.Detail,
		Start: formatTime(run.Start), Duration: formatDuration(run.Start, run.End),
		Gantt: newGantt(run), DAG: newDAG(run.Tasks),
	}
	if run.Git != nil {
		v.Commit, v.Branch, v.Dirty = run.Git.Commit, run.Git.Branch, run.Git.Dirty
		v.CommitHref, v.BranchHref = p.forge.commit(run.Git.Commit), p.forge.branch(run.Git.Branch)
	}
	for _, k := range sortedKeys(run.Params) {
		v.Params = append(v.Params, nameValue{k, formatValue(run.Params[k])})
	}
	for i, t := range run.Tasks {
		tv := taskView{Name: t.Name, Anchor: strconv.Itoa(i), Status: string(t.Status), Error: t.Error,
			Start: formatTime(t.Start), Duration: formatDuration(t.Start, t.End),
			Attempts: len(t.Attempts), CacheHit: t.CacheHit, JobID: t.JobID}
		for _, a := range t.Attempts {
			lv, err := p.logView(a)
			if err != nil {
				return nil, err
			}
			tv.Logs = append(tv.Logs, lv)
		}
		v.Tasks = append(v.Tasks, tv)
		for _, k := range sortedKeys(t.Params) {
			v.Params = append(v.Params, nameValue{t.Name + "." + k, formatValue(t.Params[k])})
		}
		v.Metrics = slices.Grow(v.Metrics, len(t.Metrics))
		for _, k := range sortedKeys(t.Metrics) {
			v.Metrics = append(v.Metrics, nameValue{t.Name + "." + k, formatFloat(t.Metrics[k])})
		}
		for _, k := range sortedKeys(t.Tags) {
			v.Tags = append(v.Tags, nameValue{t.Name + "." + k, t.Tags[k]})
		}
		for _, o := range t.Outputs {
			v.Artifacts = append(v.Artifacts, artifactView{Task: t.Name, Path: o.Path, SHA256: o.SHA256, Size: o.Size, Note: artifactNote(o)})
		}
	}
	if err := p.showArtifacts(run, v.Artifacts); err != nil {
		return nil, err
	}
	points := 0
	for _, s := range series {
		points += min(len(s.Values), maxPoints+1)
	}
	arena := pooledChartArena(points)
	v.arena = arena
	v.Charts = arena.reserve(len(series))
	one := make([]namedSeries, 1) // the chart keeps none of it
	for _, s := range series {
		one[0] = namedSeries{Label: s.Task, history: history{Steps: s.Steps, Values: s.Values}}
		v.Charts = append(v.Charts, arena.lineChart(s.Task+"."+s.Metric, "step", s.Metric, one))
	}
	return v, nil
}

// objectPath is the file of a digest in the local store, or "".
func (b *Builder) objectPath(digest string) string {
	if b.opts.StoreDir == "" || !validDigest(digest) {
		return ""
	}
	path := filepath.Join(b.opts.StoreDir, "sha256", digest[:2], digest[2:])
	if b.opts.Fetch != nil {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			if err := b.opts.Fetch(digest); err != nil { // the page says it is missing
				b.log.Warn("object not fetched from the store", "sha256", digest, "err", err)
			}
		}
	}
	return path
}

// logView shows the last lines of an attempt's log and copies the whole
// log into the site, when the log is in the local store.
func (p *pass) logView(a pipeline.Attempt) (logView, error) {
	lv := logView{Number: a.Number, ExitCode: a.ExitCode, Error: a.Error, SHA256: a.Log}
	src := p.b.objectPath(a.Log)
	if src == "" {
		return lv, nil
	}
	last, err := readLast(src, tailBytes)
	if os.IsNotExist(err) {
		return lv, nil
	}
	if err != nil {
		return lv, fmt.Errorf("read log: %w", err)
	}
	lv.Tail = tail(last, p.b.opts.LogTailLines)
	rel := "logs/" + a.Log + ".txt"
	if err := p.emitWith(rel, a.Log, func(path string, fresh bool) error { return p.w.copyPage(path, src, fresh) }); err != nil {
		return lv, err
	}
	lv.Href = "../../" + rel
	return lv, nil
}

// tailBytes bounds what is read of a log for its last lines.
const tailBytes = 64 << 10

// readLast reads at most n bytes from the end of the file.
func readLast(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(0, fi.Size()-n)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return nil, err
	}
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:] // drop the cut line
		}
	}
	return buf, nil
}

// tail returns the last n lines of data.
func tail(data []byte, n int) string {
	data = bytes.TrimRight(data, "\n")
	i := len(data)
	for ; n > 0 && i > 0; n-- {
		j := bytes.LastIndexByte(data[:i], '\n')
		if j < 0 {
			i = 0
			break
		}
		i = j
	}
	return strings.TrimPrefix(string(data[i:]), "\n")
}

// appendRunData appends the run's line of its data chunk (rundata.go):
// one call of mlcdRun with the run as JSON, {"pslug", "slug", "id",
// "pipeline", "params", "metrics", "history"}. Every string is escaped as
// encoding/json escapes it, <, >, & and U+2028/9 included, so no value can
// end the script or the call. A full build writes one for every run, so
// it is written by hand (jsonenc.go), the histories in a compact form for
// the overlay chart (appendHistory).
func appendRunData(buf []byte, run *pipeline.Run, series []pipeline.Series, row *runRow) []byte {
	pslug, rslug, _ := strings.Cut(row.sel(), "/")
	params, metrics := map[string]string{}, map[string]float64{}
	for k, v := range run.Params {
		params[k] = formatValue(v)
	}
	for _, t := range run.Tasks {
		for k, v := range t.Params {
			params[t.Name+"."+k] = formatValue(v)
		}
		for k, v := range t.Metrics {
			if finite(v) {
				metrics[t.Name+"."+k] = v
			}
		}
	}
	// The slugs come first: chunkLineSel reads them back.
	buf = append(buf, `mlcdRun({"pslug":`...)
	buf = appendJSONString(buf, pslug)
	buf = append(buf, `,"slug":`...)
	buf = appendJSONString(buf, rslug)
	buf = append(buf, `,"id":`...)
	buf = appendJSONString(buf, run.ID)
	buf = append(buf, `,"pipeline":`...)
	buf = appendJSONString(buf, run.Pipeline)
	buf = append(buf, `,"params":{`...)
	for i, k := range sortedKeys(params) {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = appendJSONString(append(buf, ':'), params[k])
	}
	buf = append(buf, `},"metrics":{`...)
	for i, k := range sortedKeys(metrics) {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = appendJSONFloat(append(buf, ':'), metrics[k])
	}
	buf = append(buf, `},"history":{`...)
	for i, s := range series {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, s.Task+"."+s.Metric)
		buf = appendHistory(append(buf, ':'), history{Steps: s.Steps, Values: s.Values})
	}
	buf = append(buf, "}});\n"...)
	return buf
}

// historyQuant is the number of steps between the lowest and the highest
// value of a history in the compare data: 1/4095 of the range, a
// twentieth of a pixel of the overlay chart.
const historyQuant = 4095

// quantDigits writes a quantized value as two characters of six bits.
const quantDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// appendHistory appends the finite points of h for the compare page's
// chart: {"from":a,"by":d} when the steps go up evenly, else
// {"steps":[...]}, then "lo" and "hi", the range of the values, and "q",
// each value as a 12-bit integer of that range in two characters of
// quantDigits, high six bits first. report.js turns it back into [step,
// value] pairs. A full build writes the histories of every run, and this
// costs a few nanoseconds a point, where printing each value as a
// decimal cost a hundred.
func appendHistory(b []byte, h history) []byte {
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for _, v := range h.Values {
		if finite(v) {
			if v < lo {
				lo = v
			}
			if v > hi {
				hi = v
			}
			n++
		}
	}
	if n == 0 {
		lo, hi = 0, 0
	}
	b = append(b, '{')
	if by, first, ok := evenSteps(h); ok {
		b = append(b, `"from":`...)
		b = strconv.AppendInt(b, first, 10)
		b = append(b, `,"by":`...)
		b = strconv.AppendInt(b, by, 10)
	} else {
		b = append(b, `"steps":[`...)
		i := 0
		for j, v := range h.Values {
			if !finite(v) {
				continue
			}
			if i > 0 {
				b = append(b, ',')
			}
			i++
			b = strconv.AppendInt(b, h.Steps[j], 10)
		}
		b = append(b, ']')
	}
	b = append(b, `,"lo":`...)
	b = strconv.AppendFloat(b, lo, 'g', -1, 64)
	b = append(b, `,"hi":`...)
	b = strconv.AppendFloat(b, hi, 'g', -1, 64)
	b = append(b, `,"q":"`...)
	scale := 0.0
	if hi > lo {
		scale = historyQuant / (hi - lo)
	}
	start := len(b)
	b = slices.Grow(b, 2*n+2)[:start+2*n]
	q := b[start:]
	for _, v := range h.Values {
		if !finite(v) {
			continue
		}
		// x is in [0, 4095] but for rounding and where hi-lo overflows:
		// adding a half and truncating rounds it.
		x := (v - lo) * scale
		switch {
		case x > historyQuant:
			x = historyQuant
		case !(x >= 0): // and NaN
			x = 0
		}
		i := int(x + 0.5)
		q[0], q[1] = quantDigits[i>>6], quantDigits[i&63]
		q = q[2:]
	}
	return append(b, `"}`...)
}

// evenSteps reports whether the steps of the finite points of h go up by
// one amount, which (0 for fewer than two points), and the first step.
func evenSteps(h history) (by, first int64, ok bool) {
	n := 0
	var prev int64
	for j, v := range h.Values {
		if !finite(v) {
			continue
		}
		step := h.Steps[j]
		switch n {
		case 0:
			first = step
		case 1:
			by = step - prev
			if by <= 0 {
				return 0, 0, false
			}
		default:
			if step-prev != by {
				return 0, 0, false
			}
		}
		prev = step
		n++
	}
	return by, first, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
