package reports

import (
	"bytes"
	"encoding/json"
	"math"
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
	data, err := runData(run, row)
	if err != nil {
		t.Fatal(err)
	}
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
		History         map[string][][2]float64
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
	h := got.History["t."+evil]
	if len(h) != 2 || h[1] != [2]float64{2, 1.2346e-9} || got.History["t.b"][0][1] != 1.2346e8 {
		t.Errorf("history = %v", got.History)
	}
	if !strings.HasSuffix(string(data), "});\n") {
		t.Error("data file does not end the call")
	}
}
