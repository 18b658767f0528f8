package reports

import (
	"bytes"
	"encoding/json"
	"html/template"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestRunData(t *testing.T) {
	evil := "</script><img src=x onerror=alert(1)>\u2028"
	run := &pipeline.Run{ID: evil, Pipeline: "p", Params: pipeline.Params{evil: evil},
		Tasks: []*pipeline.TaskRecord{{Name: "t", Metrics: map[string]float64{"acc": 0.5, "bad": math.NaN()},
			MetricHistory: map[string][]pipeline.MetricPoint{
				evil: {{Step: 0, Value: 1}, {Step: 1, Value: math.Inf(1)}, {Step: 2, Value: 1.234567e-9}},
				"b":  {{Step: 5, Value: 123456789}},
			}}}}
	row := &runRow{File: "runs/p/r1.json"}
	data := appendRunData(nil, run, inlineSeries(t, run), row)
	for _, bad := range []string{"</script", "<img", "\u2028"} {
		if bytes.Contains(data, []byte(bad)) {
			t.Errorf("data file contains %q raw", bad)
		}
	}
	body, ok := bytes.CutPrefix(data, []byte("mlcdRun("))
	body, ok2 := bytes.CutSuffix(body, []byte(");\n"))
	if !ok || !ok2 {
		t.Fatalf("not one mlcdRun call: %s", data)
	}
	var got struct {
		ID, PSlug, Slug string
		Params          map[string]string
		Metrics         map[string]float64
		History         map[string]compactHistory
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("data is not JSON: %v\n%s", err, body)
	}
	if got.ID != evil || got.Params[evil] != evil || got.PSlug != "p" || got.Slug != "r1" {
		t.Errorf("round trip: %+v", got)
	}
	if _, ok := got.Metrics["t.bad"]; ok || got.Metrics["t.acc"] != 0.5 {
		t.Errorf("metrics = %v, want t.acc only", got.Metrics)
	}
	h := got.History["t."+evil].expand()
	if len(h) != 2 || h[0] != [2]float64{0, 1} || h[1] != [2]float64{2, 1.234567e-9} {
		t.Errorf("history = %v", h)
	}
	if b := got.History["t.b"].expand(); len(b) != 1 || b[0] != [2]float64{5, 123456789} {
		t.Errorf("one-point history = %v", b)
	}
	if !strings.HasSuffix(string(data), "});\n") {
		t.Error("data file does not end the call")
	}
}

// compactHistory is a history of the compare data; expand reads it back
// as report.js does.
type compactHistory struct {
	Steps    []int64
	From, By int64
	Lo, Hi   float64
	Q        string
}

func (c compactHistory) expand() [][2]float64 {
	var out [][2]float64
	for i := 0; 2*i+1 < len(c.Q); i++ {
		q := strings.IndexByte(quantDigits, c.Q[2*i])<<6 | strings.IndexByte(quantDigits, c.Q[2*i+1])
		step := c.From + c.By*int64(i)
		if c.Steps != nil {
			step = c.Steps[i]
		}
		v := c.Lo + float64(q)*(c.Hi-c.Lo)/historyQuant
		if q == historyQuant {
			v = c.Hi
		}
		out = append(out, [2]float64{float64(step), v})
	}
	return out
}

// inlineSeries is the series of a run whose histories are in memory.
func inlineSeries(tb testing.TB, r *pipeline.Run) []pipeline.Series {
	tb.Helper()
	s, err := pipeline.LoadSeries(nil, "", r, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestAppendHistory(t *testing.T) {
	tests := []struct {
		name string
		in   history
		want [][2]float64
	}{
		{"even", hist(10, 3, 20, 1, 30, 2), [][2]float64{{10, 3}, {20, 1}, {30, 2}}},
		{"uneven", hist(0, -1, 1, 0, 5, 1), [][2]float64{{0, -1}, {1, 0}, {5, 1}}},
		{"going back", hist(2, 1, 1, 1), [][2]float64{{2, 1}, {1, 1}}},
		{"non-finite left out", hist(0, math.NaN(), 1, 4, 2, math.Inf(-1)), [][2]float64{{1, 4}}},
		{"empty", history{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c compactHistory
			data := appendHistory(nil, tt.in)
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			got := c.expand()
			if len(got) != len(tt.want) {
				t.Fatalf("%s expands to %v, want %v", data, got, tt.want)
			}
			for i := range got {
				if got[i][0] != tt.want[i][0] || math.Abs(got[i][1]-tt.want[i][1]) > (c.Hi-c.Lo)/historyQuant {
					t.Errorf("%s: point %d = %v, want %v", data, i, got[i], tt.want[i])
				}
			}
		})
	}
}

// The template the tasks table and logs replaced (testdata/tasks.html) is
// their oracle, as for charts, with hostile text in every field a record
// controls.
func TestTaskViews_HTMLMatchesTemplate(t *testing.T) {
	src, err := os.ReadFile("testdata/tasks.html")
	if err != nil {
		t.Fatal(err)
	}
	tpl := template.Must(template.New("t").Parse(string(src)))
	hostile := `<script>alert('x')</script> "a"&b+c` + "\x00\xff\u2028"
	digest := strings.Repeat("ab", 32)
	cases := map[string]taskViews{
		"none": nil,
		"hostile": {
			{Name: hostile, Anchor: "0", Status: hostile, Start: hostile, Duration: hostile, Error: hostile, Attempts: 2, CacheHit: true, JobID: hostile,
				Logs: []logView{
					{Number: 1, ExitCode: -1, Error: hostile, SHA256: digest, Tail: hostile + "\nline 2", Href: "../../logs/" + digest + ".txt"},
					{Number: 2, SHA256: digest},
				}},
			{Name: "train", Anchor: "1", Status: "success", JobID: "4242", Logs: []logView{{Number: 1}}},
			{Name: "left", Anchor: "12", Status: "upstream_failed"},
		},
	}
	for name, ts := range cases {
		t.Run(name, func(t *testing.T) {
			for part, got := range map[string]template.HTML{"taskrows": ts.Rows(), "tasklogs": ts.Logs()} {
				var want bytes.Buffer
				if err := tpl.ExecuteTemplate(&want, part, ts); err != nil {
					t.Fatal(err)
				}
				if string(got) != want.String() {
					t.Errorf("%s differs from the template\n got: %s\nwant: %s", part, got, want.String())
				}
			}
		})
	}
}
