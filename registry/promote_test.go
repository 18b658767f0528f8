package registry

import (
	"math"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestBeats(t *testing.T) {
	t.Parallel()
	ver := func(n int, f1 float64) *Version {
		v := sampleVersion("churn-rf", n)
		v.Metrics = map[string]float64{"f1": f1, "loss": f1}
		return v
	}
	maxF1 := &pipeline.Promote{Metric: "f1", Goal: "max", MinDelta: 0.005}
	minLoss := &pipeline.Promote{Metric: "loss", Goal: "min"}
	cases := []struct {
		name      string
		cand, prd *Version
		policy    *pipeline.Promote
		beats     bool
		delta     float64
	}{
		{"better by more than min_delta", ver(2, 0.92), ver(1, 0.90), maxF1, true, 0.02},
		{"better by less than min_delta", ver(2, 0.903), ver(1, 0.90), maxF1, false, 0.003},
		{"worse", ver(2, 0.85), ver(1, 0.90), maxF1, false, -0.05},
		{"equal with no min_delta", ver(2, 0.9), ver(1, 0.9), &pipeline.Promote{Metric: "f1"}, false, 0},
		{"lower loss is better", ver(2, 0.2), ver(1, 0.3), minLoss, true, 0.1},
		{"higher loss is worse", ver(2, 0.4), ver(1, 0.3), minLoss, false, -0.1},
		{"no Production counts as beaten", ver(2, 0.1), nil, maxF1, true, 0},
		{"Production without the metric is beaten", ver(2, 0.1), func() *Version { v := ver(1, 0); v.Metrics = nil; return v }(), maxF1, true, 0},
		{"candidate without the metric never beats", func() *Version { v := ver(2, 0); v.Metrics = nil; return v }(), ver(1, 0.5), maxF1, false, 0},
		{"NaN never beats", ver(2, math.NaN()), nil, maxF1, false, 0},
		{"a version does not beat itself", ver(1, 0.9), ver(1, 0.9), maxF1, false, 0},
		{"no policy", ver(2, 0.99), ver(1, 0.1), nil, false, 0},
	}
	for _, c := range cases {
		beats, delta := Beats(c.cand, c.prd, c.policy)
		if beats != c.beats || math.Abs(delta-c.delta) > 1e-9 {
			t.Errorf("%s: Beats = %v, %.4f; want %v, %.4f", c.name, beats, delta, c.beats, c.delta)
		}
	}
}
