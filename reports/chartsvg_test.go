package reports

import (
	"bytes"
	"html/template"
	"math"
	"os"
	"strconv"
	"testing"
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
			{Label: "train", Points: []xy{{0, 1}, {1, 0.5}, {2, 0.25}, {3, math.NaN()}}},
			{Label: "eval", Points: []xy{{0, 1.2}, {2, 0.7}}},
		}),
		"hostile labels": newLineChart(hostile, hostile, hostile, []namedSeries{
			{Label: hostile, Points: []xy{{0, -1e9}, {1e6, 3}}},
		}),
		"empty": newLineChart("", "", "", nil),
		"flat":  newLineChart("m", "step", "m", []namedSeries{{Label: "a", Points: []xy{{5, 2}}}}),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, want := string(c.HTML()), oracleChart(t, c)
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

// FuzzAppendCoord checks the integer path against strconv's 'f' format.
func FuzzAppendCoord(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 0.05, -0.04, 12.3, 349.95, -1e9, 1e15, 1e300, math.NaN(), math.Inf(1)} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		v = round1(v)
		want := strconv.AppendFloat(nil, v, 'f', 1, 64)
		if n := len(want); n >= 2 && want[n-2] == '.' && want[n-1] == '0' {
			want = want[:n-2]
		}
		if got := appendCoord(nil, v); string(got) != string(want) {
			t.Fatalf("appendCoord(%v) = %s, want %s", v, got, want)
		}
		if got, want := appendNum(nil, v), strconv.AppendFloat(nil, v, 'g', -1, 64); string(got) != string(want) {
			t.Fatalf("appendNum(%v) = %s, want %s", v, got, want)
		}
		if got := appendTenths(nil, math.Round(v*10)); string(got) != string(want) {
			t.Fatalf("appendTenths(%v) = %s, want %s", math.Round(v*10), got, want)
		}
	})
}
