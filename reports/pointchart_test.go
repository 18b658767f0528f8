package reports

import (
	"bytes"
	"html/template"
	"math"
	"os"
	"testing"
)

// The template testdata/pointchart.html is pointChart.HTML's oracle, with
// hostile text in every label, title and link.
func TestPointChart_HTMLMatchesTemplate(t *testing.T) {
	src, err := os.ReadFile("testdata/pointchart.html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.Must(template.New("t").Parse(string(src)))
	hostile := `<script>alert('x')</script> "a"&b+c` + "\x00\xff\u2028"
	cases := map[string]pointChart{
		"versions": newPointChart("f1 across versions", "version", "f1", []string{"f1"}, []pointIn{
			{X: 1, Y: 0.75, Href: "../../runs/churn/r1.html", Title: "v1: 0.75"},
			{X: 2, Y: 0.77, Href: "../../runs/churn/r2.html", Title: "v2: 0.77", Mark: true},
			{X: 3, Y: math.NaN(), Title: "v3"},
		}, nil, 1, true),
		"hostile": newPointChart(hostile, hostile, hostile, []string{hostile, "b"}, []pointIn{
			{X: 1e9, Y: -3, Series: 1, Href: "h-3f/a b\"<é>%.html", Title: hostile},
			{X: 2e9, Y: 4, Title: hostile},
		}, func(v, step float64) string { return hostile }, 0, false),
		"empty": newPointChart("", "", "", nil, nil, nil, 0, false),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			if err := tpl.ExecuteTemplate(&want, "pointchart", c); err != nil {
				t.Fatal(err)
			}
			if got := string(c.HTML()); got != want.String() {
				t.Errorf("HTML differs from the template\n got: %s\nwant: %s", got, want.String())
			}
		})
	}
}

// Dots fall inside the frame, at their values' places, and the marked
// one is larger.
func TestNewPointChart_Layout(t *testing.T) {
	c := newPointChart("m", "version", "m", []string{"m"}, []pointIn{
		{X: 1, Y: 0.672}, {X: 2, Y: 0.681, Mark: true}, {X: 3, Y: 0.676},
	}, nil, 1, true)
	if len(c.Points) != 3 {
		t.Fatalf("%d points, want 3", len(c.Points))
	}
	for _, p := range c.Points {
		if p.X < c.L || p.X > c.Right || p.Y < c.T || p.Y > c.Bottom {
			t.Errorf("point %+v outside the frame", p)
		}
	}
	if !(c.Points[0].X < c.Points[1].X && c.Points[1].Y < c.Points[2].Y && c.Points[2].Y < c.Points[0].Y) {
		t.Errorf("points out of order: %+v", c.Points)
	}
	if c.Points[1].R <= c.Points[0].R {
		t.Error("the marked point is not larger")
	}
	// 0.672 to 0.681 fills the height: the axis is not stretched to zero.
	if span := c.Points[2].Y - c.Points[1].Y; span < 20 {
		t.Errorf("0.676 and 0.681 are %v px apart, want the data to fill the chart", span)
	}
	for _, tk := range c.XTicks {
		if tk.Label != "1" && tk.Label != "2" && tk.Label != "3" {
			t.Errorf("x tick %q, want whole versions", tk.Label)
		}
	}
	if len(c.Series[0].Points) == 0 {
		t.Error("no line through the versions")
	}
}
