package reports

import (
	"math"
	"strconv"
	"sync"
)

// Charts are computed here as geometry. The bar chart is drawn by the
// svg.html template; line charts, the timeline and the task graph, which
// a build draws by the hundred thousand, by chartsvg.go with the same
// escaping.

// palette colours series in order; it repeats past its end.
var palette = []string{"#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#1b7c83", "#57606a"}

func color(i int) string { return palette[i%len(palette)] }

type tick struct {
	X, Y  float64
	Label string
}

type xy struct{ X, Y float64 }

// namedSeries is one line of a chart.
type namedSeries struct {
	Label  string
	Points []xy
}

type seriesView struct{ Label, Color, Points string }

type lineChart struct {
	W, H, L, T, Right, Bottom float64
	Title, XLabel, YLabel     string
	XTicks, YTicks            []tick
	XLabelX, XLabelY, YLabelY float64
	Series                    []seriesView
}

// maxPoints bounds the points drawn per series; longer histories are
// thinned evenly (the last point is always kept).
const maxPoints = 400

// newLineChart lays out series on shared axes. Non-finite values are left
// out.
func newLineChart(title, xLabel, yLabel string, data []namedSeries) lineChart {
	c := lineChart{W: 360, H: 220, L: 62, T: 10, Title: title, XLabel: xLabel, YLabel: yLabel}
	c.Right, c.Bottom = c.W-10, c.H-40
	x0, x1, y0, y1 := bounds(data)
	sx := func(x float64) float64 { return round1(c.L + (x-x0)/(x1-x0)*(c.Right-c.L)) }
	sy := func(y float64) float64 { return round1(c.Bottom - (y-y0)/(y1-y0)*(c.Bottom-c.T)) }
	for i := 0; i <= 2; i++ {
		fx := x0 + (x1-x0)*float64(i)/2
		fy := y0 + (y1-y0)*float64(i)/2
		c.XTicks = append(c.XTicks, tick{X: sx(fx), Y: c.Bottom + 14, Label: formatTick(fx)})
		c.YTicks = append(c.YTicks, tick{X: c.L - 4, Y: sy(fy) + 4, Label: formatTick(fy)})
	}
	c.XLabelX, c.XLabelY, c.YLabelY = round1((c.L+c.Right)/2), c.H-8, round1((c.T+c.Bottom)/2)
	// The points are most of a chart, and most of a run page's bytes:
	// they are path data in tenths of a pixel (the path is scaled by .1),
	// each point a move relative to the one before, "29-17 29 5".
	kx, ky := (c.Right-c.L)/(x1-x0), (c.Bottom-c.T)/(y1-y0)
	var buf []byte
	for i, s := range data {
		step := 1
		if len(s.Points) > maxPoints {
			step = (len(s.Points) + maxPoints - 1) / maxPoints
		}
		buf = buf[:0]
		last := len(s.Points) - 1
		var px, py int64
		n := 0
		for j, p := range s.Points {
			if (step > 1 && j%step != 0 && j != last) || !finite(p.X) || !finite(p.Y) {
				continue
			}
			x := int64(math.Round((c.L + (p.X-x0)*kx) * 10))
			y := int64(math.Round((c.Bottom - (p.Y-y0)*ky) * 10))
			switch n {
			case 0:
				buf = append(buf, 'M')
				buf = strconv.AppendInt(buf, x, 10)
				buf = appendSigned(buf, y)
			case 1:
				buf = append(buf, 'l')
				buf = strconv.AppendInt(buf, x-px, 10)
				buf = appendSigned(buf, y-py)
			default:
				buf = appendSigned(buf, x-px)
				buf = appendSigned(buf, y-py)
			}
			px, py = x, y
			n++
		}
		c.Series = append(c.Series, seriesView{Label: s.Label, Color: color(i), Points: string(buf)})
	}
	return c
}

// appendSigned appends v to path data after another number: a minus sign
// separates it by itself, anything else needs a space.
func appendSigned(b []byte, v int64) []byte {
	ints := smallInts()
	switch {
	case v >= 0 && v < int64(len(ints)):
		return append(append(b, ' '), ints[v]...)
	case v < 0 && -v < int64(len(ints)):
		return append(append(b, '-'), ints[-v]...)
	case v >= 0:
		b = append(b, ' ')
	}
	return strconv.AppendInt(b, v, 10)
}

// smallInts is the text of 0..999, most moves between two points. It is
// made on first use, not when mlcd starts.
var smallInts = sync.OnceValue(func() *[1000]string {
	var t [1000]string
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return &t
})

// bounds returns the range of the finite points, widened when empty or flat.
func bounds(data []namedSeries) (x0, x1, y0, y1 float64) {
	x0, y0 = math.Inf(1), math.Inf(1)
	x1, y1 = math.Inf(-1), math.Inf(-1)
	for _, s := range data {
		for _, p := range s.Points {
			if !finite(p.X) || !finite(p.Y) {
				continue
			}
			x0, x1 = min(x0, p.X), max(x1, p.X)
			y0, y1 = min(y0, p.Y), max(y1, p.Y)
		}
	}
	if math.IsInf(x0, 1) {
		return 0, 1, 0, 1
	}
	if x1 == x0 {
		x1 = x0 + 1
	}
	if y1 == y0 {
		y0, y1 = y0-0.5, y1+0.5
	}
	return x0, x1, y0, y1
}

// formatTick prints an axis label with 3 significant digits.
func formatTick(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// tenthsText holds the text of 0.0 to 819.1 in tenths, every coordinate
// of a chart's frame: a copy is cheaper than formatting each. It is made
// on first use, not when mlcd starts.
var tenthsText = sync.OnceValue(func() *[8192]string {
	var t [8192]string
	for n := range t {
		s := strconv.Itoa(n / 10)
		if d := n % 10; d != 0 {
			s += "." + strconv.Itoa(d)
		}
		t[n] = s
	}
	return &t
})

// finite reports whether v is neither NaN nor infinite (v-v is NaN for
// both).
func finite(v float64) bool { return v-v == 0 }

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// barChart shows final metrics: one group per metric, one bar per subject.
type barChart struct {
	W, H   float64
	Title  string
	Groups []barGroup
	Legend []seriesView
}

type barGroup struct {
	Y     float64
	Label string
	Bars  []bar
}

type bar struct {
	X, Y, W, H, TX, TY float64
	Color, Title, Text string
}

// newBarChart draws values[metric][subject]; missing values are NaN.
func newBarChart(title string, subjects, metrics []string, values [][]float64) *barChart {
	if len(metrics) == 0 || len(subjects) == 0 {
		return nil
	}
	const left, width, barH = 200.0, 640.0, 12.0
	groupH := barH*float64(len(subjects)) + 14
	c := &barChart{W: width, H: groupH * float64(len(metrics)), Title: title}
	for i, s := range subjects {
		c.Legend = append(c.Legend, seriesView{Label: s, Color: color(i)})
	}
	for m, name := range metrics {
		top := groupH * float64(m)
		g := barGroup{Y: top + 14, Label: name}
		scale := 0.0
		for _, v := range values[m] {
			if finite(v) {
				scale = math.Max(scale, math.Abs(v))
			}
		}
		for i, v := range values[m] {
			if !finite(v) {
				continue
			}
			w := 0.0
			if scale > 0 {
				w = round1(math.Abs(v) / scale * (width - left - 90))
			}
			y := top + 4 + barH*float64(i)
			g.Bars = append(g.Bars, bar{X: left, Y: y, W: w, H: barH - 2, TX: left + w + 4, TY: y + barH - 3,
				Color: color(i), Title: subjects[i] + ": " + formatFloat(v), Text: formatFloat(v)})
		}
		c.Groups = append(c.Groups, g)
	}
	return c
}
