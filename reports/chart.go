package reports

import (
	"math"
	"strconv"
	"sync"
)

// Charts are computed here as geometry, and drawn by chartsvg.go with the
// escaping html/template would apply: a build draws them by the hundred
// thousand.

// palette colours series in order; it repeats past its end.
var palette = []string{"#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#1b7c83", "#57606a"}

func color(i int) string { return palette[i%len(palette)] }

type tick struct {
	X, Y  float64
	Label string
}

// history is a metric's values by step: two columns of one length.
type history struct {
	Steps  []int64
	Values []float64
}

// namedSeries is one line of a chart.
type namedSeries struct {
	Label string
	history
}

type seriesView struct {
	Label, Color string
	Points       pathData
}

// pathData is the d attribute of a line: a slice of a chartArena.
type pathData []byte

func (p pathData) String() string { return string(p) }

// chartArena holds the path data of many charts in one buffer: a run
// page draws 80, and a buffer for each, then a string of it, was most of
// what a run page allocated.
// It also keeps the last x axis: charts over the same steps share it.
type chartArena struct {
	buf    []byte
	xRange [2]float64
	xTicks []tick // of xRange; read-only once made
	// ticks and series are slabs the charts' y ticks and series are cut
	// from: two small slices a chart, 160 allocations on a run page.
	ticks  []tick
	series []seriesView
	charts chartList // the list reserve hands out
}

// yTicksPerChart is the room cut from the slab for a chart's y ticks:
// niceTicks gives three or four (more are appended past it).
const yTicksPerChart = 6

// reserve makes room in the slabs for charts charts of one series each,
// and returns an empty list with room for them.
func (a *chartArena) reserve(charts int) chartList {
	if cap(a.ticks)-len(a.ticks) < charts*yTicksPerChart {
		a.ticks = make([]tick, 0, charts*yTicksPerChart)
	}
	if cap(a.series)-len(a.series) < charts {
		a.series = make([]seriesView, 0, charts)
	}
	if cap(a.charts) < charts {
		a.charts = make(chartList, 0, charts)
	}
	return a.charts[:0]
}

// cut returns empty slices with room for a chart's y ticks and its n
// series, from the arena's slabs.
func (a *chartArena) cut(n int) ([]tick, []seriesView) {
	const slab = 16 // charts a slab serves when none were reserved
	if cap(a.ticks)-len(a.ticks) < yTicksPerChart {
		a.ticks = make([]tick, 0, slab*yTicksPerChart)
	}
	if cap(a.series)-len(a.series) < n {
		a.series = make([]seriesView, 0, max(n, slab))
	}
	i, j := len(a.ticks), len(a.series)
	a.ticks, a.series = a.ticks[:i+yTicksPerChart], a.series[:j+n]
	return a.ticks[i : i : i+yTicksPerChart], a.series[j : j : j+n]
}

// newChartArena makes an arena with room for about points points.
func newChartArena(points int) *chartArena {
	return &chartArena{buf: make([]byte, 0, 5*points+64)}
}

// arenas recycles run pages' arenas: a full build draws 10,000 pages of
// 80 charts, and a fresh 40 KiB buffer for their paths, with the slabs
// and the chart list, was most of what a run page allocated, paid again
// in garbage collection.
var arenas sync.Pool // of *chartArena

// pooledChartArena is newChartArena, recycled; release gives it back once
// no chart of the arena will be drawn again.
func pooledChartArena(points int) *chartArena {
	size := 5*points + 64
	if a, ok := arenas.Get().(*chartArena); ok && cap(a.buf) >= size {
		return a
	}
	return newChartArena(points)
}

// release gives the arena back for another page. The charts it made
// point into its buffers: the caller must not draw them after.
func (a *chartArena) release() {
	if a == nil || cap(a.buf) > maxPooledBuf {
		return
	}
	clear(a.ticks[:cap(a.ticks)]) // keep no page's labels alive
	clear(a.series[:cap(a.series)])
	clear(a.charts[:cap(a.charts)])
	*a = chartArena{buf: a.buf[:0], ticks: a.ticks[:0], series: a.series[:0], charts: a.charts[:0]}
	arenas.Put(a)
}

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

// newLineChart lays out series on shared axes, steps across. Non-finite
// values are left out.
func newLineChart(title, xLabel, yLabel string, data []namedSeries) lineChart {
	return newChartArena(0).lineChart(title, xLabel, yLabel, data)
}

// lineChart is newLineChart with the path data kept in a.
func (a *chartArena) lineChart(title, xLabel, yLabel string, data []namedSeries) lineChart {
	c := lineChart{W: 360, H: 220, L: 62, T: 10, Title: title, XLabel: xLabel, YLabel: yLabel}
	c.YTicks, c.Series = a.cut(len(data))
	c.Right, c.Bottom = c.W-10, c.H-40
	x0, x1, y0, y1 := bounds(data)
	sx := func(x float64) float64 { return round1(c.L + (x-x0)/(x1-x0)*(c.Right-c.L)) }
	sy := func(y float64) float64 { return round1(c.Bottom - (y-y0)/(y1-y0)*(c.Bottom-c.T)) }
	if a.xTicks == nil || a.xRange != [2]float64{x0, x1} {
		xs, step := niceTicks(x0, x1, 4, 1)
		a.xRange, a.xTicks = [2]float64{x0, x1}, make([]tick, 0, len(xs))
		for _, fx := range xs {
			a.xTicks = append(a.xTicks, tick{X: sx(fx), Y: c.Bottom + 14, Label: formatNice(fx, step)})
		}
	}
	c.XTicks = a.xTicks
	var ysBuf [2*3 + 3]float64
	ys, step := appendNiceTicks(ysBuf[:0], y0, y1, 3, 0) // a small chart: three or four ticks
	for _, fy := range ys {
		c.YTicks = append(c.YTicks, tick{X: c.L - 4, Y: sy(fy) + 4, Label: formatNice(fy, step)})
	}
	c.XLabelX, c.XLabelY, c.YLabelY = round1((c.L+c.Right)/2), c.H-8, round1((c.T+c.Bottom)/2)
	// The points are most of a chart, and most of a run page's bytes:
	// they are path data in half pixels (the path is scaled by .5), each
	// point a move relative to the one before, "6-17 6 5". A point's
	// coordinates are x*ax+bx and y*ay+by: the chart's scale, folded into
	// one multiply and add.
	ax, ay := (c.Right-c.L)/(x1-x0)*pathUnits, -(c.Bottom-c.T)/(y1-y0)*pathUnits
	bx, by := c.L*pathUnits-x0*ax, c.Bottom*pathUnits-y0*ay
	for i, s := range data {
		step := 1
		if len(s.Values) > maxPoints {
			step = (len(s.Values) + maxPoints - 1) / maxPoints
		}
		// The path goes at the end of the arena. Should the arena grow, the
		// lines already drawn keep the old buffer.
		start := len(a.buf)
		buf := a.buf
		last := len(s.Values) - 1
		var px, py int64
		n := 0
		for j, v := range s.Values[:min(len(s.Values), len(s.Steps))] {
			if (step > 1 && j%step != 0 && j != last) || !finite(v) {
				continue
			}
			// Inside the frame both are positive: adding a half and
			// truncating rounds them.
			x := int64(float64(s.Steps[j])*ax + bx + 0.5)
			y := int64(v*ay + by + 0.5)
			switch n {
			case 0:
				buf = append(buf, 'M')
				buf = strconv.AppendInt(buf, x, 10)
				buf = appendDelta(buf, y)
			case 1:
				buf = append(buf, 'l')
				buf = strconv.AppendInt(buf, x-px, 10)
				buf = appendDelta(buf, y-py)
			default:
				buf = appendDelta(appendDelta(buf, x-px), y-py)
			}
			px, py = x, y
			n++
		}
		a.buf = buf
		c.Series = append(c.Series, seriesView{Label: s.Label, Color: color(i), Points: pathData(buf[start:len(buf):len(buf)])})
	}
	return c
}

// pathUnits is the units of a line's path data in a pixel. Half pixels
// draw as smoothly as tenths on a screen of twice the density, in a
// quarter fewer bytes: the writes of a full build's pages cost more than
// drawing them.
const pathUnits = 2

// appendDelta appends v to path data after another number: a minus sign
// separates it by itself, anything else needs a space. Most moves
// between two points are under 1000 units; those take no division.
func appendDelta(b []byte, v int64) []byte {
	sep := byte(' ')
	if v < 0 {
		sep, v = '-', -v
	}
	switch {
	case v < 10:
		return append(b, sep, byte('0'+v))
	case v < 100:
		return append(b, sep, digitPairs[2*v], digitPairs[2*v+1])
	case v < 1000:
		r := 2 * (v % 100)
		return append(b, sep, byte('0'+v/100), digitPairs[r], digitPairs[r+1])
	}
	if sep == '-' {
		return strconv.AppendInt(b, -v, 10)
	}
	return strconv.AppendInt(append(b, sep), v, 10)
}

// digitPairs is "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// bounds returns the range of the finite points, widened when empty or flat.
func bounds(data []namedSeries) (x0, x1, y0, y1 float64) {
	// Comparisons, not the min and max builtins: the values are finite,
	// so their care for NaN is not needed, and this loop runs for every
	// point of a full build.
	y0, y1 = math.Inf(1), math.Inf(-1)
	sx0, sx1 := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range data {
		for j, v := range s.Values[:min(len(s.Values), len(s.Steps))] {
			if !finite(v) {
				continue
			}
			if x := s.Steps[j]; x < sx0 {
				sx0 = x
			}
			if x := s.Steps[j]; x > sx1 {
				sx1 = x
			}
			if v < y0 {
				y0 = v
			}
			if v > y1 {
				y1 = v
			}
		}
	}
	if sx0 > sx1 {
		return 0, 1, 0, 1
	}
	x0, x1 = float64(sx0), float64(sx1)
	if x1 == x0 {
		x1 = x0 + 1
	}
	if y1 == y0 {
		y0, y1 = y0-0.5, y1+0.5
	}
	return x0, x1, y0, y1
}

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
		lo, hi := barAxis(values[m])
		g := barGroup{Y: top + 14, Label: name}
		if lo != 0 {
			// Bars from zero would make 0.672 and 0.681 look the same.
			g.Label += " (axis from " + formatFloat(lo) + ", not zero)"
		}
		for i, v := range values[m] {
			if !finite(v) {
				continue
			}
			w := 0.0
			if hi > lo {
				w = round1((v - lo) / (hi - lo) * (width - left - 90))
			}
			y := top + 4 + barH*float64(i)
			g.Bars = append(g.Bars, bar{X: left, Y: y, W: w, H: barH - 2, TX: left + w + 4, TY: y + barH - 3,
				Color: color(i), Title: subjects[i] + ": " + formatFloat(v), Text: formatFloat(v)})
		}
		c.Groups = append(c.Groups, g)
	}
	return c
}

// barAxis is the range the bars of one metric are drawn over: from a
// round value below the lowest, so that the bars' lengths show their
// differences, to the highest. Zero is kept when it is close (no bar is
// ever less than a fifth of the longest).
func barAxis(vals []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if finite(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	switch {
	case math.IsInf(lo, 1):
		return 0, 0
	case lo >= 0 && lo <= hi*0.2:
		return 0, hi
	}
	if hi == lo {
		return min(0, lo), max(0, hi)
	}
	step := niceStep(hi-lo, 4)
	base := math.Floor(lo/step) * step
	if base == lo {
		base -= step
	}
	if lo >= 0 && base < 0 {
		base = 0
	}
	return base, hi
}
