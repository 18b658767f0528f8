package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

type metricCol struct {
	Name, ID string
	On       bool
}

type metricCell struct{ Col, V, Text string }

type runRowView struct {
	Href, Sel, Pipeline, ID, Status, Trigger, Commit, Start, Dur string
	StartUnix                                                    int64
	DurS                                                         float64
	Params                                                       []string
	Metrics                                                      []metricCell
}

type runsView struct {
	Page, Total  int // Total only on runs/index.html, so other pages stay unchanged by new runs
	Newer, Older string
	Statuses     []string
	ParamCols    []string
	MetricCols   []metricCol
	Rows         []runRowView
}

// defaultMetricCols is how many metric columns show before the user picks.
const defaultMetricCols = 6

var allStatuses = []string{"success", "failed", "upstream_failed", "running", "queued", "cancelled", "interrupted", "skipped"}

// runsIndex writes runs/page-<k>.html, oldest runs on page 1, so that a
// new run changes only the last page; runs/index.html is the last page.
func (p *pass) runsIndex(rows []*runRow) error {
	paramCols, metricCols := columns(rows)
	h := sha256.New()
	h.Write([]byte(p.b.tool))
	h.Write([]byte(strings.Join(paramCols, "\x00") + "\x01"))
	for _, c := range metricCols {
		h.Write([]byte(c.Name + "\x00"))
	}
	colsHash := hex.EncodeToString(h.Sum(nil))
	size := p.b.opts.PageSize
	pages := max(1, (len(rows)+size-1)/size)
	for k := 1; k <= pages; k++ {
		chunk := rows[min((k-1)*size, len(rows)):min(k*size, len(rows))]
		v := &runsView{Page: k, Statuses: allStatuses, ParamCols: paramCols, MetricCols: metricCols}
		if k < pages {
			v.Newer = "page-" + strconv.Itoa(k+1) + ".html"
		}
		if k > 1 {
			v.Older = "page-" + strconv.Itoa(k-1) + ".html"
		}
		hash := pageHash(colsHash, strconv.Itoa(k), v.Newer, chunk)
		render := func() ([]byte, error) {
			v.Rows = rowViews(chunk, paramCols, metricCols)
			return p.b.render("runs", page0("Runs", "../", v))
		}
		if err := p.emit("runs/page-"+strconv.Itoa(k)+".html", hash, render); err != nil {
			return err
		}
		if k == pages {
			last := *v
			last.Total = len(rows)
			hash := pageHash(colsHash, "index", strconv.Itoa(len(rows)), chunk)
			err := p.emit("runs/index.html", hash, func() ([]byte, error) {
				last.Rows = rowViews(chunk, paramCols, metricCols)
				return p.b.render("runs", page0("Runs", "../", &last))
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func pageHash(parts ...any) string {
	h := sha256.New()
	for _, part := range parts {
		switch x := part.(type) {
		case string:
			h.Write([]byte(x + "\x00"))
		case []*runRow:
			for _, r := range x {
				h.Write([]byte(r.SHA256))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// columns returns the union of run param names and task metric names.
func columns(rows []*runRow) ([]string, []metricCol) {
	params, metrics := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		for k := range r.Params {
			params[k] = true
		}
		for k := range r.Metrics {
			metrics[k] = true
		}
	}
	var cols []metricCol
	for i, name := range sortedKeys(metrics) {
		cols = append(cols, metricCol{Name: name, ID: "m" + strconv.Itoa(i), On: i < defaultMetricCols})
	}
	return sortedKeys(params), cols
}

// rowViews formats rows newest first.
func rowViews(rows []*runRow, paramCols []string, metricCols []metricCol) []runRowView {
	out := make([]runRowView, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		v := runRowView{Href: slug(r.Pipeline) + "/" + slug(r.ID) + ".html", Sel: r.sel(),
			Pipeline: r.Pipeline, ID: r.ID, Status: r.Status, Trigger: r.Trigger, Commit: shortCommit(r.Commit),
			Start: formatTime(r.Start), Dur: formatDuration(r.Start, r.End), DurS: round1(seconds(r.Start, r.End))}
		if !r.Start.IsZero() {
			v.StartUnix = r.Start.Unix()
		}
		for _, c := range paramCols {
			v.Params = append(v.Params, r.Params[c])
		}
		for _, c := range metricCols {
			m, ok := r.Metrics[c.Name]
			cell := metricCell{Col: c.ID}
			if ok {
				cell.Text = formatFloat(m)
				if finite(m) {
					cell.V = strconv.FormatFloat(m, 'g', -1, 64)
				}
			}
			v.Metrics = append(v.Metrics, cell)
		}
		out = append(out, v)
	}
	return out
}
