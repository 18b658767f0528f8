package reports

import (
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
)

// A run page holds up to a hundred line charts; drawing them through
// templates cost more than the rest of the page (html/template calls its
// escapers by reflection for every attribute). So line charts, the
// timeline and the task graph are written here, with the escaping
// html/template would apply: every label goes through escapeHTML, the
// only place text from a record enters the SVG. Numbers are coordinates
// this package computed; colours come from the fixed palette. The
// templates they replaced are the tests' oracle (testdata/*.html).

// size estimates the bytes of the chart's HTML.
func (c lineChart) size() int {
	n := 1024 + len(c.Title)*2
	for _, s := range c.Series {
		n += len(s.Points) + 2*len(s.Label) + 160
	}
	return n
}

// chartList is the charts of a page, drawn in one piece.
type chartList []lineChart

// HTML draws every chart, one after the other.
func (cs chartList) HTML() template.HTML {
	n := 0
	for _, c := range cs {
		n += c.size()
	}
	return template.HTML(cs.appendHTML(make([]byte, 0, n)))
}

// appendHTML appends every chart to b. Charts over the same steps share
// their frame and x axis: the first draws it, the others show it with a
// <use> element, a seventh of a run page's 80 charts.
func (cs chartList) appendHTML(b []byte) []byte {
	axes := &drawnAxes{ids: map[uint64]bool{}}
	for _, c := range cs {
		b = c.appendHTML(b, axes)
	}
	return b
}

// drawnAxes is the x axes a list of charts has drawn, by the hash of
// their markup, and the last one: charts of one arena over the same steps
// share its ticks, and those need neither writing nor hashing again.
type drawnAxes struct {
	ids      map[uint64]bool
	last     axisKey
	lastHash uint64
}

// axisKey is what an x axis is drawn from.
type axisKey struct {
	ticks                                 *tick
	label                                 string
	l, t, bottom, right, xLabelX, xLabelY float64
}

func (c lineChart) axisKey() axisKey {
	k := axisKey{label: c.XLabel, l: c.L, t: c.T, bottom: c.Bottom, right: c.Right, xLabelX: c.XLabelX, xLabelY: c.XLabelY}
	if len(c.XTicks) > 0 {
		k.ticks = &c.XTicks[0]
	}
	return k
}

// appendXAxis appends c's frame and x axis, the part charts over the
// same steps share. It is drawn as a <use> clone too, so its styling is in
// attributes, which the clones keep, not in the page's CSS.
func (c lineChart) appendXAxis(b []byte) []byte {
	b = append(b, `<path fill="none" stroke="#888" d="M`...)
	b = appendNum(b, c.L)
	b = append(b, ' ')
	b = appendNum(b, c.T)
	b = append(b, 'V')
	b = appendNum(b, c.Bottom)
	b = append(b, 'H')
	b = appendNum(b, c.Right)
	b = append(b, `"/>`...)
	for _, t := range c.XTicks {
		b = appendText(b, t.X, t.Y, t.Label)
	}
	return appendText(b, c.XLabelX, c.XLabelY, c.XLabel)
}

// XAxisID is the id of c's x axis in a page: an FNV-1a hash of its
// markup, so the same axis has the same id in every build.
func (c lineChart) XAxisID() string {
	return string(appendAxisID(nil, fnv64a(c.appendXAxis(nil))))
}

func appendAxisID(b []byte, h uint64) []byte {
	b = append(b, "xa"...)
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[h>>shift&0xf])
	}
	return b
}

func fnv64a(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// axisOpen opens the group of a drawn x axis; its id, "xa" and 16 hex
// digits, is written over the zeros once the axis is.
const axisOpen = `<g id="xa0000000000000000" text-anchor="middle">`

// appendHTML appends c. An x axis in drawn (nil for none) is shown by a
// <use> of the one drawn before; one that is not is drawn and added.
func (c lineChart) appendHTML(b []byte, drawn *drawnAxes) []byte {
	b = appendSVGOpen(b, `<figure><svg class="chart" width="`, c.W, c.H)
	b = append(b, `" role="img" aria-label="`...)
	b = escapeHTML(b, c.Title)
	b = append(b, `">`...)
	if key := c.axisKey(); drawn != nil && key.ticks != nil && key == drawn.last {
		b = append(b, `<use href="#`...)
		b = appendAxisID(b, drawn.lastHash)
		b = append(b, `"/>`...)
	} else {
		open := len(b)
		b = append(b, axisOpen...)
		b = c.appendXAxis(b)
		h := fnv64a(b[open+len(axisOpen):])
		switch {
		case drawn != nil && drawn.ids[h]:
			b = append(b[:open], `<use href="#`...)
			b = appendAxisID(b, h)
			b = append(b, `"/>`...)
		default:
			appendAxisID(b[open+len(`<g id="`):open+len(`<g id="`)], h)
			b = append(b, `</g>`...)
			if drawn != nil {
				drawn.ids[h] = true
			}
		}
		if drawn != nil {
			drawn.last, drawn.lastHash = key, h
		}
	}
	b = append(b, "\n<g class=\"mid\">"...)
	b = appendYAxis(b, c.YLabelY, c.YLabel, c.YTicks)
	// A chart of one line, such as a run page's, needs no legend: the
	// caption names it.
	legend := len(c.Series) > 1
	for _, s := range c.Series {
		b = append(b, `<path class="line" transform="scale(.5)" stroke="`...)
		b = escapeHTML(b, s.Color)
		b = append(b, `" d="`...)
		b = append(b, s.Points...) // path data newLineChart wrote
		if !legend {
			b = append(b, `"/>`...)
			continue
		}
		b = append(b, `"><title>`...)
		b = escapeHTML(b, s.Label)
		b = append(b, "</title></path>"...)
	}
	b = append(b, "\n</svg><figcaption>"...)
	b = escapeHTML(b, c.Title)
	if legend {
		b = appendLegend(b, c.Series)
	}
	return append(b, "</figcaption></figure>"...)
}

func appendText(b []byte, x, y float64, label string) []byte {
	b = append(b, `<text x="`...)
	b = appendNum(b, x)
	b = append(b, `" y="`...)
	b = appendNum(b, y)
	b = append(b, `">`...)
	b = escapeHTML(b, label)
	return append(b, "</text>"...)
}

// appendNum writes v as html/template prints a float64 (fmt's %v). Chart
// geometry is in tenths of a pixel: those print from a table.
func appendNum(b []byte, v float64) []byte {
	if t, tab := math.Round(v*10), tenthsText(); t >= 0 && t < float64(len(tab)) && t/10 == v && !math.Signbit(v) {
		return append(b, tab[int(t)]...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// escapeHTML appends s escaped for HTML text and quoted attribute values,
// as html/template escapes them: the five markup characters, '+' (which
// html/template also escapes, against UTF-7 sniffing) and NUL. Other
// bytes, invalid UTF-8 included, pass as html/template passes them.
func escapeHTML(b []byte, s string) []byte {
	// Runs of bytes that need no escaping, most of every label, are
	// copied at once.
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !htmlSpecial[c] {
			continue
		}
		b = append(b, s[start:i]...)
		start = i + 1
		switch c {
		case 0:
			b = append(b, "\uFFFD"...)
		case '"':
			b = append(b, "&#34;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '\'':
			b = append(b, "&#39;"...)
		case '+':
			b = append(b, "&#43;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		}
	}
	return append(b, s[start:]...)
}

// htmlSpecial is the bytes escapeHTML replaces.
var htmlSpecial = [256]bool{0: true, '"': true, '&': true, '\'': true, '+': true, '<': true, '>': true}

// HTML draws the bar chart of final metrics: a group of bars per metric,
// one bar per subject. A version page compares 20 metrics, and the
// template this replaced (testdata/graphs.html) called an escaper by
// reflection for each of their 300 values.
func (c *barChart) HTML() template.HTML {
	b := make([]byte, 0, 512+256*len(c.Groups)*len(c.Legend))
	b = appendSVGOpen(b, `<figure><svg class="chart" width="`, c.W, c.H)
	b = append(b, `" role="img" aria-label="`...)
	b = escapeHTML(b, c.Title)
	b = append(b, "\">\n"...)
	for _, g := range c.Groups {
		b = append(b, `<text x="0" y="`...)
		b = appendNum(b, g.Y)
		b = append(b, `">`...)
		b = escapeHTML(b, g.Label)
		b = append(b, "</text>"...)
		for _, r := range g.Bars {
			b = appendTitledRect(b, r.X, r.Y, r.W, r.H, r.Color, r.Title)
			b = appendText(b, r.TX, r.TY, r.Text)
		}
	}
	b = append(b, "\n</svg><figcaption>"...)
	b = escapeHTML(b, c.Title)
	b = appendLegend(b, c.Legend)
	return template.HTML(append(b, "</figcaption></figure>"...))
}

// HTML draws the timeline: a row of attempt bars per task on a time axis.
func (g ganttView) HTML() template.HTML {
	b := make([]byte, 0, 1024+256*len(g.Rows))
	b = appendSVGOpen(b, `<figure><svg class="chart" width="`, g.W, g.H)
	b = append(b, `" role="img" aria-label="task timeline">`+"\n"...)
	for _, r := range g.Rows {
		b = append(b, `<text x="4" y="`...)
		b = appendNum(b, r.TextY)
		b = append(b, `">`...)
		b = escapeHTML(b, r.Name)
		b = append(b, "</text>"...)
		for _, bar := range r.Bars {
			b = appendTitledRect(b, bar.X, bar.Y, bar.W, bar.H, bar.Color, bar.Title)
		}
	}
	b = append(b, "\n"+`<line x1="`...)
	b = appendNum(b, g.L)
	b = append(b, `" y1="`...)
	b = appendNum(b, g.Bottom)
	b = append(b, `" x2="`...)
	b = appendNum(b, g.Right)
	b = append(b, `" y2="`...)
	b = appendNum(b, g.Bottom)
	b = append(b, `" stroke="#888"/>`+"\n"...)
	for _, t := range g.Ticks {
		b = appendAnchoredText(b, t.X, t.Y, t.Label)
	}
	b = append(b, '\n')
	b = appendAnchoredText(b, g.XLabelX, g.XLabelY, "time since run start (s)")
	b = append(b, "\n</svg><figcaption>Timeline: one bar per attempt, coloured by outcome.</figcaption></figure>"...)
	return template.HTML(b)
}

// HTML draws the task graph, each node coloured by its status.
func (d dagView) HTML() template.HTML {
	b := make([]byte, 0, 1024+320*len(d.Nodes)+96*len(d.Edges))
	b = appendSVGOpen(b, `<figure><svg class="chart dag" width="`, d.W, d.H)
	b = append(b, `" role="img" aria-label="task graph">`+"\n"+
		`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#888"/></marker></defs>`+"\n"...)
	for _, e := range d.Edges {
		b = append(b, `<path d="`...)
		b = escapeHTML(b, e.D)
		b = append(b, `" fill="none" stroke="#888" marker-end="url(#arrow)"/>`...)
	}
	b = append(b, '\n')
	for _, n := range d.Nodes {
		b = append(b, "<g>"...)
		b = appendRect(b, n.X, n.Y, n.W, n.H)
		b = append(b, `" rx="5" fill="`...)
		b = escapeHTML(b, n.Fill)
		b = append(b, `" stroke="#555"><title>`...)
		b = escapeHTML(b, n.Name)
		b = append(b, ": "...)
		b = escapeHTML(b, n.Status)
		b = append(b, "</title></rect>"...)
		b = appendAnchoredText(b, n.TX, n.TY, n.Label)
		b = append(b, "</g>"...)
	}
	b = append(b, "\n</svg><figcaption>Task graph, coloured by status.</figcaption></figure>"...)
	return template.HTML(b)
}

// appendSVGOpen writes open (up to the width's value), the width, height
// and viewBox, leaving the viewBox attribute's quote open.
func appendSVGOpen(b []byte, open string, w, h float64) []byte {
	b = append(b, open...)
	b = appendNum(b, w)
	b = append(b, `" height="`...)
	b = appendNum(b, h)
	b = append(b, `" viewBox="0 0 `...)
	b = appendNum(b, w)
	b = append(b, ' ')
	return appendNum(b, h)
}

// appendLegend writes a chart's legend: a coloured square and the label
// of each series.
func appendLegend(b []byte, series []seriesView) []byte {
	for _, s := range series {
		b = append(b, ` <span style="color:`...)
		b = escapeHTML(b, s.Color)
		b = append(b, `">&#9632; `...)
		b = escapeHTML(b, s.Label)
		b = append(b, "</span>"...)
	}
	return b
}

// appendTitledRect writes a filled rect with a tooltip.
func appendTitledRect(b []byte, x, y, w, h float64, color, title string) []byte {
	b = appendRect(b, x, y, w, h)
	b = append(b, `" fill="`...)
	b = escapeHTML(b, color)
	b = append(b, `"><title>`...)
	b = escapeHTML(b, title)
	return append(b, "</title></rect>"...)
}

// appendRect writes a rect's geometry, leaving its last attribute open.
func appendRect(b []byte, x, y, w, h float64) []byte {
	b = append(b, `<rect x="`...)
	b = appendNum(b, x)
	b = append(b, `" y="`...)
	b = appendNum(b, y)
	b = append(b, `" width="`...)
	b = appendNum(b, w)
	b = append(b, `" height="`...)
	return appendNum(b, h)
}

// appendAnchoredText writes a text element centred on x.
func appendAnchoredText(b []byte, x, y float64, label string) []byte {
	b = append(b, `<text x="`...)
	b = appendNum(b, x)
	b = append(b, `" y="`...)
	b = appendNum(b, y)
	b = append(b, `" text-anchor="middle">`...)
	b = escapeHTML(b, label)
	return append(b, "</text>"...)
}

// appendYAxis ends a chart's "mid" text group with the y axis's label,
// turned upright at y, and writes its ticks in a group of their own: the
// markup the line and point charts share.
func appendYAxis(b []byte, y float64, label string, ticks []tick) []byte {
	b = append(b, `<text transform="translate(10 `...)
	b = appendNum(b, y)
	b = append(b, `) rotate(-90)">`...)
	b = escapeHTML(b, label)
	b = append(b, "</text></g>\n<g class=\"end\">"...)
	for _, t := range ticks {
		b = appendText(b, t.X, t.Y, t.Label)
	}
	return append(b, "</g>\n"...)
}
