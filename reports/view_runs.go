package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// column is a metric or param column of the runs table. ID names it in
// the page (data-col); Name is what the column chooser and the page
// address use.
type column struct {
	Name, ID string
	On       bool // shown before the user picks
	Promo    bool // the promotion metric of a task that registers a model
}

type metricCell struct {
	Col, V, Text string
	Promo        bool
}

type runRowView struct {
	Href, Sel, Pipeline, ID, Status, Trigger, Branch, Commit, Start, Dur string
	CommitHref, BranchHref                                               string // on the forge; "" for none
	StartUnix                                                            int64
	DurS                                                                 float64
	Metrics                                                              []metricCell
	Params                                                               []string
	ParamCols                                                            []column
}

// appendCells writes the row's metric and param cells, metrics first: a
// page of 100 runs with 80 metrics has 24,000 of their values.
func (v runRowView) appendCells(b []byte) []byte {
	for _, m := range v.Metrics {
		b = append(b, `<td class="num`...)
		if m.Promo {
			b = append(b, ` promo`...)
		}
		b = append(b, `" data-col="`...)
		b = escapeHTML(b, m.Col)
		b = append(b, `" data-v="`...)
		b = escapeHTML(b, m.V)
		b = append(b, `">`...)
		b = escapeHTML(b, m.Text)
		b = append(b, "</td>"...)
	}
	for i, p := range v.Params {
		b = append(b, `<td data-col="`...)
		b = escapeHTML(b, v.ParamCols[i].ID)
		b = append(b, `">`...)
		b = escapeHTML(b, p)
		b = append(b, "</td>"...)
	}
	return b
}

type runsView struct {
	Page, Total  int // Total only on runs/index.html, so other pages stay unchanged by new runs
	Newer, Older string
	Statuses     []string
	Triggers     []string // of every run, not only this page's: the menus are the same on every page
	Branches     []string
	MetricCols   []column
	ParamCols    []column
	Rows         runRowViews
}

// runRowViews is the rows of a runs page, written here in one piece: a
// page of 100 runs has 1,200 values besides its metric cells, each a
// reflective escaper call in html/template. The template they replaced
// (testdata/runrows.html) is the test's oracle. Links are built from
// slugs, plain or hashed names; appendURLPath keeps them so.
type runRowViews []runRowView

// HTML writes the rows.
func (rs runRowViews) HTML() template.HTML {
	var b []byte
	for _, v := range rs {
		b = append(b, `<tr data-status="`...)
		b = escapeHTML(b, v.Status)
		b = append(b, `" data-trigger="`...)
		b = escapeHTML(b, v.Trigger)
		b = append(b, `" data-branch="`...)
		b = escapeHTML(b, v.Branch)
		b = append(b, `"><td><input class="sel" type="checkbox" value="`...)
		b = escapeHTML(b, v.Sel)
		b = append(b, `" aria-label="select"></td><td>`...)
		b = escapeHTML(b, v.Pipeline)
		b = append(b, `</td><td><a href="`...)
		b = appendURLPath(b, v.Href)
		b = append(b, `">`...)
		b = escapeHTML(b, v.ID)
		b = append(b, `</a></td><td>`...)
		b = appendStatus(b, v.Status)
		b = append(b, `</td><td>`...)
		b = escapeHTML(b, v.Trigger)
		b = append(b, `</td><td>`...)
		b = appendLinked(b, v.BranchHref, v.Branch)
		b = append(b, `</td><td class="mono">`...)
		b = appendLinked(b, v.CommitHref, v.Commit)
		b = append(b, `</td><td data-v="`...)
		b = strconv.AppendInt(b, v.StartUnix, 10)
		b = append(b, `">`...)
		b = escapeHTML(b, v.Start)
		b = append(b, `</td><td class="num" data-v="`...)
		b = appendNum(b, v.DurS)
		b = append(b, `">`...)
		b = escapeHTML(b, v.Dur)
		b = append(b, `</td>`...)
		b = v.appendCells(b)
		b = append(b, "</tr>\n"...)
	}
	return template.HTML(b)
}

// appendLinked writes text, inside a link to href when there is one.
// href is a forge link (forgeLinks), whose bytes need no escaping in a
// quoted attribute but get escapeHTML all the same.
func appendLinked(b []byte, href, text string) []byte {
	if href == "" {
		return escapeHTML(b, text)
	}
	b = append(b, `<a href="`...)
	b = escapeHTML(b, href)
	b = append(b, `">`...)
	b = escapeHTML(b, text)
	return append(b, "</a>"...)
}

// appendURLPath appends a relative link of the site, percent-encoding
// every byte but letters, digits and "._~/-", as html/template's URL
// normalizer would for those.
func appendURLPath(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._~/-", c) >= 0 {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

// defaultMetricCols is how many metric columns show before the user
// picks, promotion metrics included.
const defaultMetricCols = 6

var allStatuses = []string{"success", "failed", "upstream_failed", "running", "queued", "cancelled", "interrupted", "skipped"}

// runsIndex writes runs/page-<k>.html, oldest runs on page 1, so that a
// new run changes only the last page; runs/index.html is the last page.
func (p *pass) runsIndex(ctx context.Context, rows []*runRow) error {
	paramCols, metricCols := columns(rows, p.m.names, p.goals)
	triggers, branches := menus(rows)
	h := sha256.New()
	for _, cols := range [][]column{paramCols, metricCols} {
		for _, c := range cols {
			fmt.Fprintf(h, "%s\x00%t\x00%t\x00", c.Name, c.On, c.Promo)
		}
		h.Write([]byte{1})
	}
	h.Write([]byte(strings.Join(triggers, "\x00") + "\x01" + strings.Join(branches, "\x00") + "\x01" + p.forge.Base))
	colsHash := hex.EncodeToString(h.Sum(nil))
	size := p.b.opts.PageSize
	pages := max(1, (len(rows)+size-1)/size)
	promo := promoColumns(rows, p.m.names)
	if err := p.runsChunks(pages); err != nil {
		return err
	}
	return parallel(ctx, pages, func(i int) error {
		k := i + 1
		chunk := rows[min((k-1)*size, len(rows)):min(k*size, len(rows))]
		if err := p.runsData(k, chunk, paramCols, promo, colsHash); err != nil {
			return err
		}
		v := &runsView{Page: k, Statuses: allStatuses, Triggers: triggers, Branches: branches, ParamCols: paramCols, MetricCols: metricCols}
		if k < pages {
			v.Newer = "page-" + strconv.Itoa(k+1) + ".html"
		}
		if k > 1 {
			v.Older = "page-" + strconv.Itoa(k-1) + ".html"
		}
		hash := pageHash(colsHash, strconv.Itoa(k), v.Newer, chunk)
		render := func() ([]byte, error) {
			if err := p.loadMetricValues(chunk); err != nil {
				return nil, err
			}
			v.Rows = rowViews(chunk, p.m.names, paramCols, metricCols, p.forge)
			return p.b.render("runs", page0("Runs", "../", v))
		}
		if err := p.emit("runs/page-"+strconv.Itoa(k)+".html", hash, render); err != nil {
			return err
		}
		if k < pages {
			return nil
		}
		last := *v
		last.Total = len(rows)
		hash = pageHash(colsHash, "index", strconv.Itoa(len(rows)), chunk)
		return p.emit("runs/index.html", hash, func() ([]byte, error) {
			if err := p.loadMetricValues(chunk); err != nil {
				return nil, err
			}
			last.Rows = rowViews(chunk, p.m.names, paramCols, metricCols, p.forge)
			return p.b.render("runs", page0("Runs", "../", &last))
		})
	})
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

// menus lists the triggers and branches of every run, for the filters.
func menus(rows []*runRow) (triggers, branches []string) {
	t, b := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		t[r.Trigger] = true
		b[r.Branch] = true
	}
	delete(t, "")
	delete(b, "")
	return sortedKeys(t), sortedKeys(b)
}

// columns returns the union of run param names and task metric names.
// Metric columns come promotion metrics first, then by name; the
// promotion metrics and the first others up to defaultMetricCols show.
func columns(rows []*runRow, names *interner, g goals) (params, metrics []column) {
	var paramSet, metricSet []bool
	mark := func(set []bool, id int32) []bool {
		for int(id) >= len(set) {
			set = append(set, false)
		}
		set[id] = true
		return set
	}
	for _, r := range rows {
		for _, k := range r.ParamKeys {
			paramSet = mark(paramSet, k)
		}
		for _, k := range r.metricKeys {
			metricSet = mark(metricSet, k)
		}
	}
	named := func(set []bool) []string {
		var out []string
		for id, on := range set {
			if on {
				out = append(out, names.name(int32(id)))
			}
		}
		sort.Strings(out)
		return out
	}
	for i, name := range named(paramSet) {
		params = append(params, column{Name: name, ID: "p" + strconv.Itoa(i), On: true})
	}
	metricNames := named(metricSet)
	sort.SliceStable(metricNames, func(i, j int) bool { return g.promoted(metricNames[i]) && !g.promoted(metricNames[j]) })
	for i, name := range metricNames {
		promo := g.promoted(name)
		metrics = append(metrics, column{Name: name, ID: "m" + strconv.Itoa(i), Promo: promo, On: promo || i < defaultMetricCols})
	}
	return params, metrics
}

// rowViews formats rows newest first.
func rowViews(rows []*runRow, names *interner, paramCols, metricCols []column, forge forgeLinks) []runRowView {
	paramAt := make(map[string]int, len(paramCols))
	for i, c := range paramCols {
		paramAt[c.Name] = i
	}
	metricAt := make(map[string]int, len(metricCols))
	for i, c := range metricCols {
		metricAt[c.Name] = i
	}
	out := make([]runRowView, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		v := runRowView{Href: r.sel() + ".html", Sel: r.sel(),
			Pipeline: r.Pipeline, ID: r.ID, Status: r.Status, Trigger: r.Trigger, Branch: r.Branch, Commit: shortCommit(r.Commit),
			Start: formatTime(r.Start), Dur: formatDuration(r.Start, r.End), DurS: round1(seconds(r.Start, r.End)),
			Params: make([]string, len(paramCols)), ParamCols: paramCols, Metrics: make([]metricCell, len(metricCols)),
			CommitHref: forge.commit(r.Commit), BranchHref: forge.branch(r.Branch)}
		if !r.Start.IsZero() {
			v.StartUnix = r.Start.Unix()
		}
		for j, k := range r.ParamKeys {
			if c, ok := paramAt[names.name(k)]; ok {
				v.Params[c] = r.ParamVals[j]
			}
		}
		for c := range metricCols {
			v.Metrics[c].Col, v.Metrics[c].Promo = metricCols[c].ID, metricCols[c].Promo
		}
		for j, k := range r.metricKeys {
			c, ok := metricAt[names.name(k)]
			if !ok {
				continue
			}
			m := r.metricVals[j]
			v.Metrics[c].Text = formatFloat(m)
			if finite(m) {
				v.Metrics[c].V = strconv.FormatFloat(m, 'g', -1, 64)
			}
		}
		out = append(out, v)
	}
	return out
}
