package reports

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/pipeline"
)

func tasks(spec map[string][]string, order ...string) []*pipeline.TaskRecord {
	var out []*pipeline.TaskRecord
	for _, n := range order {
		out = append(out, &pipeline.TaskRecord{Name: n, Needs: spec[n], Status: pipeline.StatusSuccess})
	}
	return out
}

func TestLayers(t *testing.T) {
	tests := []struct {
		name  string
		spec  map[string][]string
		order []string
		want  map[string]int
	}{
		{"chain", map[string][]string{"b": {"a"}, "c": {"b"}}, []string{"c", "b", "a"}, map[string]int{"a": 0, "b": 1, "c": 2}},
		{"diamond with a shortcut", map[string][]string{"b": {"a"}, "c": {"a"}, "d": {"b", "c", "a"}},
			[]string{"a", "b", "c", "d"}, map[string]int{"a": 0, "b": 1, "c": 1, "d": 2}},
		{"unknown need is ignored", map[string][]string{"b": {"zzz"}}, []string{"b"}, map[string]int{"b": 0}},
		{"self need is ignored", map[string][]string{"a": {"a"}}, []string{"a"}, map[string]int{"a": 0}},
		{"a cycle ends", map[string][]string{"a": {"b"}, "b": {"a"}}, []string{"a", "b"}, map[string]int{"a": 1, "b": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := layers(tasks(tt.spec, tt.order...))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("layers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewDAG_NodesAndEdges(t *testing.T) {
	ts := tasks(map[string][]string{"features": {"load"}, "rf": {"features"}, "xgb": {"features"}}, "load", "features", "rf", "xgb")
	ts[3].Status = pipeline.StatusFailed
	v := newDAG(ts)
	if len(v.Nodes) != 4 || len(v.Edges) != 3 {
		t.Fatalf("nodes, edges = %d, %d; want 4, 3", len(v.Nodes), len(v.Edges))
	}
	at := map[string]dagNode{}
	for _, n := range v.Nodes {
		at[n.Name] = n
	}
	if !(at["load"].X < at["features"].X && at["features"].X < at["rf"].X) {
		t.Errorf("layers not left to right: %+v", at)
	}
	if at["rf"].X != at["xgb"].X || at["rf"].Y == at["xgb"].Y {
		t.Errorf("rf and xgb should share a layer on different rows: %+v %+v", at["rf"], at["xgb"])
	}
	if at["xgb"].Fill != statusFill[pipeline.StatusFailed] || at["rf"].Fill != statusFill[pipeline.StatusSuccess] {
		t.Errorf("fills: rf %s xgb %s", at["rf"].Fill, at["xgb"].Fill)
	}
	for _, n := range v.Nodes {
		if n.X+n.W > v.W || n.Y+n.H > v.H {
			t.Errorf("node %s outside the drawing %vx%v", n.Name, v.W, v.H)
		}
	}
}

func TestNewGantt_BarsPerAttempt(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := &pipeline.Run{Start: t0, End: t0.Add(100 * time.Second), Tasks: []*pipeline.TaskRecord{
		{Name: "a", Start: t0, End: t0.Add(50 * time.Second), Attempts: []pipeline.Attempt{
			{Number: 1, Start: t0, End: t0.Add(10 * time.Second), ExitCode: 1},
			{Number: 2, Start: t0.Add(20 * time.Second), End: t0.Add(50 * time.Second)},
		}},
		{Name: "b", CacheHit: true, Start: t0.Add(50 * time.Second), End: t0.Add(50 * time.Second)},
		{Name: "c", Status: pipeline.StatusUpstreamFailed},
	}}
	g := newGantt(run)
	if len(g.Rows) != 3 || len(g.Rows[0].Bars) != 2 || len(g.Rows[1].Bars) != 1 || len(g.Rows[2].Bars) != 0 {
		t.Fatalf("bars per row wrong: %+v", g.Rows)
	}
	first, second := g.Rows[0].Bars[0], g.Rows[0].Bars[1]
	if first.Color == second.Color {
		t.Error("a failed and a successful attempt share a colour")
	}
	if !(first.X < second.X && second.X+second.W <= g.Right+0.1) {
		t.Errorf("attempt bars out of order or outside the axis: %+v %+v", first, second)
	}
	// 50 s of 100 s puts the cache hit in the middle of the axis.
	mid := g.L + (g.Right-g.L)/2
	if b := g.Rows[1].Bars[0]; b.X < mid-1 || b.X > mid+1 {
		t.Errorf("cache hit at x=%v, want about %v", b.X, mid)
	}
}

func TestNewLineChart_SkipsNonFinite(t *testing.T) {
	nan := 0.0
	nan = nan / nan
	c := newLineChart("loss", "step", "loss", []namedSeries{{Label: "a", history: hist(0, 1, 1, nan, 2, 0.5)}})
	if got := c.Series[0].Points.String(); got != "M124 20l576 340" { // (62,10) to (350,180) in half pixels
		t.Errorf("points = %q", got)
	}
	if len(c.YTicks) != 3 || c.YTicks[0].Label != "0.6" || c.YTicks[2].Label != "1" { // round values inside 0.5..1
		t.Errorf("y ticks = %+v", c.YTicks)
	}
}
