package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// The "linechart" template that lineChart.HTML replaced is kept in
// testdata as the oracle: both must write the same bytes, so the Go
// writer escapes exactly as html/template would.
func oracleChart(t testing.TB, c lineChart) string {
	t.Helper()
	src, err := os.ReadFile("testdata/linechart.html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.Must(template.New("t").Parse(string(src)))
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, "linechart", c); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestLineChart_HTMLMatchesTemplate(t *testing.T) {
	hostile := `<script>alert('x')</script> "a"&b+c` + "\x00\xff"
	cases := map[string]lineChart{
		"history": newLineChart("train.loss", "step", "loss", []namedSeries{
			{Label: "train", history: hist(0, 1, 1, 0.5, 2, 0.25, 3, math.NaN())},
			{Label: "eval", history: hist(0, 1.2, 2, 0.7)},
		}),
		"hostile labels": newLineChart(hostile, hostile, hostile, []namedSeries{
			{Label: hostile, history: hist(0, -1e9, 1e6, 3)},
		}),
		"empty": newLineChart("", "", "", nil),
		"flat":  newLineChart("m", "step", "m", []namedSeries{{Label: "a", history: hist(5, 2)}}),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, want := string(chartList{c}.HTML()), oracleChart(t, c)
			if got != want {
				t.Errorf("HTML differs from the template\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// FuzzEscapeHTML checks escapeHTML against html/template in text and in a
// quoted attribute.
func FuzzEscapeHTML(f *testing.F) {
	for _, s := range []string{"", "plain", `<a href="x">&amp;</a>`, "it's +1", "\x00", "\xff\xfe", "é€😀", "\u2028"} {
		f.Add(s)
	}
	text := template.Must(template.New("t").Parse(`{{.}}`))
	attr := template.Must(template.New("a").Parse(`<p title="{{.}}">`))
	f.Fuzz(func(t *testing.T, s string) {
		for _, tc := range []struct {
			tpl          *template.Template
			prefix, tail string
		}{{text, "", ""}, {attr, `<p title="`, `">`}} {
			var buf bytes.Buffer
			if err := tc.tpl.Execute(&buf, s); err != nil {
				t.Fatal(err)
			}
			want := buf.String()
			got := tc.prefix + string(escapeHTML(nil, s)) + tc.tail
			if got != want {
				t.Fatalf("escapeHTML(%q) = %q, html/template: %q", s, got, want)
			}
		}
	})
}

// FuzzAppendNum checks appendNum's table against strconv.
func FuzzAppendNum(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 0.05, -0.04, 12.3, 349.95, 819.1, 819.2, -1e9, 1e15, 1e300, math.NaN(), math.Inf(1)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		for _, x := range []float64{v, round1(v)} {
			if got, want := appendNum(nil, x), strconv.AppendFloat(nil, x, 'g', -1, 64); string(got) != string(want) {
				t.Fatalf("appendNum(%v) = %s, want %s", x, got, want)
			}
		}
	})
}

// FuzzLineChartPath checks that a chart's path data, read back as
// absolute points, puts every finite point where the chart's scale does,
// to a path unit (half a pixel).
func FuzzLineChartPath(f *testing.F) {
	f.Add(0.0, 1.0, 0.5, 2.0, -3.0)
	f.Add(1e9, -1e9, 0.0, math.NaN(), 7.0)
	f.Fuzz(func(t *testing.T, a, b, c, d, e float64) {
		h := hist(0, a, 3, b, 6, c, 9, d, 12, e)
		ch := newLineChart("m", "step", "m", []namedSeries{{Label: "s", history: h}})
		got := parsePath(t, ch.Series[0].Points.String())
		x0, x1, y0, y1 := bounds([]namedSeries{{history: h}})
		var want [][2]int64
		for i, y := range h.Values {
			if x := float64(h.Steps[i]); finite(y) {
				want = append(want, [2]int64{
					int64(math.Round((ch.L + (x-x0)*(ch.Right-ch.L)/(x1-x0)) * pathUnits)),
					int64(math.Round((ch.Bottom - (y-y0)*(ch.Bottom-ch.T)/(y1-y0)) * pathUnits))})
			}
		}
		if len(got) != len(want) {
			t.Fatalf("path %q has %d points, want %d", ch.Series[0].Points, len(got), len(want))
		}
		for i := range got {
			if dx, dy := got[i][0]-want[i][0], got[i][1]-want[i][1]; dx < -1 || dx > 1 || dy < -1 || dy > 1 {
				t.Fatalf("path %q point %d = %v, want %v", ch.Series[0].Points, i, got[i], want[i])
			}
		}
	})
}

// hist is a history from step, value pairs.
func hist(stepValue ...float64) history {
	var h history
	for i := 0; i+1 < len(stepValue); i += 2 {
		h.Steps = append(h.Steps, int64(stepValue[i]))
		h.Values = append(h.Values, stepValue[i+1])
	}
	return h
}

// parsePath reads "M x y l dx dy dx dy ..." back as absolute points.
func parsePath(t *testing.T, d string) [][2]int64 {
	t.Helper()
	if d == "" {
		return nil
	}
	var nums []int64
	rest := d[1:]
	if d[0] != 'M' {
		t.Fatalf("path %q does not start with M", d)
	}
	rest = strings.Replace(rest, "l", " ", 1)
	rest = strings.ReplaceAll(rest, "-", " -")
	for _, f := range strings.Fields(rest) {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("path %q: %v", d, err)
		}
		nums = append(nums, n)
	}
	if len(nums)%2 != 0 {
		t.Fatalf("path %q has an odd count of numbers", d)
	}
	var pts [][2]int64
	for i := 0; i < len(nums); i += 2 {
		p := [2]int64{nums[i], nums[i+1]}
		if i > 0 {
			p[0] += pts[len(pts)-1][0]
			p[1] += pts[len(pts)-1][1]
		}
		pts = append(pts, p)
	}
	return pts
}

// The timeline and graph templates they replaced are the oracle of
// ganttView.HTML and dagView.HTML, as for line charts.
func TestGraphs_HTMLMatchesTemplates(t *testing.T) {
	src, err := os.ReadFile("testdata/graphs.html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.Must(template.New("t").Parse(string(src)))
	oracle := func(name string, data any) string {
		var buf bytes.Buffer
		if err := tpl.ExecuteTemplate(&buf, name, data); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	hostile := `<script>alert('x')</script> "a"&b+c` + "\x00"
	start := time.Date(2026, 11, 26, 23, 30, 12, 0, time.UTC)
	run := &pipeline.Run{ID: "r", Pipeline: "p", Start: start, End: start.Add(time.Minute), Tasks: []*pipeline.TaskRecord{
		{Name: hostile, Status: pipeline.StatusSuccess, Start: start, End: start.Add(10 * time.Second),
			Attempts: []pipeline.Attempt{{Number: 1, Start: start, End: start.Add(time.Second), ExitCode: 1}, {Number: 2, Start: start.Add(2 * time.Second), End: start.Add(10 * time.Second)}}},
		{Name: "train", Needs: []string{hostile}, Status: pipeline.StatusFailed, Start: start.Add(10 * time.Second), End: start.Add(time.Minute),
			Attempts: []pipeline.Attempt{{Number: 1, Start: start.Add(10 * time.Second), End: start.Add(time.Minute), ExitCode: 2}}},
		{Name: "cached", Needs: []string{"train"}, Status: pipeline.StatusSuccess, CacheHit: true},
		{Name: "left", Needs: []string{"missing"}, Status: pipeline.StatusUpstreamFailed},
	}}
	for _, r := range []*pipeline.Run{run, {ID: "empty", Pipeline: "p"}} {
		g, d := newGantt(r), newDAG(r.Tasks)
		if got, want := string(g.HTML()), oracle("gantt", g); got != want {
			t.Errorf("run %s: timeline differs from the template\n got: %s\nwant: %s", r.ID, got, want)
		}
		if got, want := string(d.HTML()), oracle("dag", d); got != want {
			t.Errorf("run %s: graph differs from the template\n got: %s\nwant: %s", r.ID, got, want)
		}
	}
	nan := math.NaN()
	bars := newBarChart(hostile, []string{hostile, "v2", "v3"}, []string{hostile, "acc", "none"},
		[][]float64{{1, -2.5, nan}, {0.91, 0.93, 0}, {nan, nan, nan}})
	if got, want := string(bars.HTML()), oracle("barchart", bars); got != want {
		t.Errorf("bar chart differs from the template\n got: %s\nwant: %s", got, want)
	}
}

// Charts drawn into one arena keep their own path data when the arena
// grows under them.
func TestChartArena_KeepsEarlierPaths(t *testing.T) {
	a := newChartArena(0)
	var charts []lineChart
	var want []string
	for i := range 20 {
		h := hist(0, float64(i), 1, 2, 2, float64(-i), 3, 0.5)
		charts = append(charts, a.lineChart("m", "step", "m", []namedSeries{{Label: "s", history: h}}))
		want = append(want, newLineChart("m", "step", "m", []namedSeries{{Label: "s", history: h}}).Series[0].Points.String())
	}
	for i, c := range charts {
		if got := c.Series[0].Points.String(); got != want[i] {
			t.Errorf("chart %d: path %q, want %q", i, got, want[i])
		}
	}
}

// Charts over the same steps draw their x axis once; the others show it
// with a <use> of its id.
func TestChartList_SharesXAxes(t *testing.T) {
	a := newLineChart("a", "step", "a", []namedSeries{{Label: "s", history: hist(0, 1, 10, 2)}})
	b := newLineChart("b", "step", "b", []namedSeries{{Label: "s", history: hist(0, 5, 10, -1)}})
	c := newLineChart("c", "step", "c", []namedSeries{{Label: "s", history: hist(0, 1, 20, 2)}})
	if a.XAxisID() != b.XAxisID() || a.XAxisID() == c.XAxisID() {
		t.Fatalf("axis ids %s %s %s: want the first two equal, the third not", a.XAxisID(), b.XAxisID(), c.XAxisID())
	}
	page := string(chartList{a, b, c}.HTML())
	for _, want := range []struct {
		s string
		n int
	}{
		{`<g id="` + a.XAxisID() + `"`, 1}, {`<use href="#` + a.XAxisID() + `"/>`, 1},
		{`<g id="` + c.XAxisID() + `"`, 1}, {`<use href="#` + c.XAxisID() + `"/>`, 0},
	} {
		if n := strings.Count(page, want.s); n != want.n {
			t.Errorf("%d times %s, want %d", n, want.s, want.n)
		}
	}
}

// Charts of one arena share their x ticks, and the list draws an axis it
// has just drawn without hashing it again: the page is the same as when
// every chart has ticks of its own.
func TestChartList_SharedTicksSameHTML(t *testing.T) {
	a := newChartArena(0)
	var cs chartList
	for i, h := range []history{hist(0, 1, 10, 2), hist(0, 3, 10, 1), hist(0, 1, 20, 2), hist(0, 5, 10, 4)} {
		cs = append(cs, a.lineChart(fmt.Sprint("m", i), "step", "m", []namedSeries{{Label: "s", history: h}}))
	}
	if &cs[0].XTicks[0] != &cs[1].XTicks[0] {
		t.Fatal("charts over the same steps do not share their ticks")
	}
	own := make(chartList, len(cs))
	for i, c := range cs {
		c.XTicks = slices.Clone(c.XTicks)
		own[i] = c
	}
	got, want := string(cs.HTML()), string(own.HTML())
	if got != want {
		t.Errorf("shared ticks:\n%s\nown ticks:\n%s", got, want)
	}
	if n := strings.Count(got, "<use href="); n != 2 {
		t.Errorf("%d axes shown by <use>, want 2 (the second chart and the fourth)", n)
	}
}
