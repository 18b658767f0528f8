package reports

import (
	"html/template"
	"math"
	"strconv"
)

// A point chart puts one dot per run or version: a metric over time, by
// commit or across versions, or a param against a metric. Each dot links
// to its run, and its title says its values (the browser's tooltip, and
// the chart's hover line in report.js). Dots of a series can be hidden
// from the legend. Like the line charts it is written in Go through
// escapeHTML, with the template it follows (testdata/pointchart.html) as
// the tests' oracle.

// pointIn is a point to draw, in data units.
type pointIn struct {
	X, Y   float64
	Series int    // index into the chart's series labels
	Href   string // link relative to the page, a site path; "" for none
	Title  string // what hovering it shows
	Mark   bool   // drawn larger, ringed: a Production version's run
}

type pointView struct {
	X, Y        float64
	R           float64
	Series      int
	Color       string
	Href, Title string
	Mark        bool
}

type pointChart struct {
	W, H, L, T, Right, Bottom float64
	Title, XLabel, YLabel     string
	XTicks, YTicks            []tick
	XLabelX, XLabelY, YLabelY float64
	Series                    []seriesView // the legend; Points holds a line through the series, when drawn
	Points                    []pointView
}

// newPointChart lays the points out. xTick labels an x tick of a scale
// of step (nil: the number); minXStep is the smallest x step (1 for
// versions and commits). line joins each series' points in order of x.
func newPointChart(title, xLabel, yLabel string, series []string, pts []pointIn, xTick func(v, step float64) string, minXStep float64, line bool) pointChart {
	c := pointChart{W: 640, H: 260, L: 62, T: 12, Title: title, XLabel: xLabel, YLabel: yLabel}
	c.Right, c.Bottom = c.W-36, c.H-40 // room for half the last tick's label
	x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		if finite(p.X) && finite(p.Y) {
			x0, x1, y0, y1 = min(x0, p.X), max(x1, p.X), min(y0, p.Y), max(y1, p.Y)
		}
	}
	if math.IsInf(x0, 1) {
		x0, x1, y0, y1 = 0, 1, 0, 1
	}
	// A margin of a twentieth keeps dots off the frame.
	padX, padY := max((x1-x0)/20, minXStep/2, 1e-9), max((y1-y0)/20, math.Abs(y1)/1e4, 1e-9)
	x0, x1, y0, y1 = x0-padX, x1+padX, y0-padY, y1+padY
	sx := func(x float64) float64 { return round1(c.L + (x-x0)/(x1-x0)*(c.Right-c.L)) }
	sy := func(y float64) float64 { return round1(c.Bottom - (y-y0)/(y1-y0)*(c.Bottom-c.T)) }
	if xTick == nil {
		xTick = formatNice
	}
	xs, xstep := niceTicks(x0, x1, 5, minXStep)
	for _, v := range xs {
		c.XTicks = append(c.XTicks, tick{X: sx(v), Y: c.Bottom + 14, Label: xTick(v, xstep)})
	}
	ys, ystep := niceTicks(y0, y1, 4, 0)
	for _, v := range ys {
		c.YTicks = append(c.YTicks, tick{X: c.L - 4, Y: sy(v) + 4, Label: formatNice(v, ystep)})
	}
	c.XLabelX, c.XLabelY, c.YLabelY = round1((c.L+c.Right)/2), c.H-8, round1((c.T+c.Bottom)/2)
	lines := make([][]byte, len(series))
	for _, p := range pts {
		if !finite(p.X) || !finite(p.Y) || p.Series < 0 || p.Series >= len(series) {
			continue
		}
		v := pointView{X: sx(p.X), Y: sy(p.Y), R: 3, Series: p.Series, Color: color(p.Series), Href: p.Href, Title: p.Title, Mark: p.Mark}
		if p.Mark {
			v.R = 6
		}
		c.Points = append(c.Points, v)
		if line {
			b := lines[p.Series]
			if len(b) == 0 {
				b = append(b, 'M')
			} else {
				b = append(b, 'L')
			}
			b = appendNum(b, v.X)
			b = append(b, ' ')
			lines[p.Series] = appendNum(b, v.Y)
		}
	}
	for i, s := range series {
		c.Series = append(c.Series, seriesView{Label: s, Color: color(i), Points: pathData(lines[i])})
	}
	return c
}

// HTML draws the chart.
func (c pointChart) HTML() template.HTML {
	b := make([]byte, 0, 2048+160*len(c.Points))
	b = appendSVGOpen(b, `<figure class="points"><svg class="chart" width="`, c.W, c.H)
	b = append(b, `" role="img" aria-label="`...)
	b = escapeHTML(b, c.Title)
	b = append(b, `"><path fill="none" stroke="#888" d="M`...)
	b = appendNum(b, c.L)
	b = append(b, ' ')
	b = appendNum(b, c.T)
	b = append(b, 'V')
	b = appendNum(b, c.Bottom)
	b = append(b, 'H')
	b = appendNum(b, c.Right)
	b = append(b, "\"/>\n<g class=\"mid\">"...)
	for _, t := range c.XTicks {
		b = appendText(b, t.X, t.Y, t.Label)
	}
	b = appendText(b, c.XLabelX, c.XLabelY, c.XLabel)
	b = appendYAxis(b, c.YLabelY, c.YLabel, c.YTicks)
	for i, s := range c.Series {
		if len(s.Points) == 0 {
			continue
		}
		b = append(b, `<path class="trend" data-s="`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `" stroke="`...)
		b = escapeHTML(b, s.Color)
		b = append(b, `" d="`...)
		b = append(b, s.Points...)
		b = append(b, `"/>`...)
	}
	for _, p := range c.Points {
		b = p.appendHTML(b)
	}
	b = append(b, "\n</svg><figcaption>"...)
	b = escapeHTML(b, c.Title)
	for i, s := range c.Series {
		b = append(b, ` <button type="button" class="series" data-s="`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `" style="color:`...)
		b = escapeHTML(b, s.Color)
		b = append(b, `">&#9632; `...)
		b = escapeHTML(b, s.Label)
		b = append(b, "</button>"...)
	}
	return template.HTML(append(b, ` <output class="hover"></output></figcaption></figure>`...))
}

// appendHTML writes one dot, inside a link to its run when it has one.
func (p pointView) appendHTML(b []byte) []byte {
	if p.Href != "" {
		b = append(b, `<a href="`...)
		b = appendURLPath(b, p.Href)
		b = append(b, `">`...)
	}
	b = append(b, `<circle class="pt`...)
	if p.Mark {
		b = append(b, ` mark`...)
	}
	b = append(b, `" data-s="`...)
	b = strconv.AppendInt(b, int64(p.Series), 10)
	b = append(b, `" cx="`...)
	b = appendNum(b, p.X)
	b = append(b, `" cy="`...)
	b = appendNum(b, p.Y)
	b = append(b, `" r="`...)
	b = appendNum(b, p.R)
	b = append(b, `" fill="`...)
	b = escapeHTML(b, p.Color)
	b = append(b, `"><title>`...)
	b = escapeHTML(b, p.Title)
	b = append(b, "</title></circle>"...)
	if p.Href != "" {
		b = append(b, "</a>"...)
	}
	return b
}
