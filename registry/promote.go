package registry

import (
	"math"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Beats reports whether candidate should replace production under the
// promotion policy p, and by how much it is better: delta is the
// improvement on p.Metric, positive when candidate is better whatever the
// goal. It beats when delta > 0 and delta >= p.MinDelta.
//
// No Production version (or one without the metric) counts as beaten, with
// delta 0. A candidate without the metric, or with NaN, never beats. The
// goal "min" means lower is better; anything else means higher is better.
func Beats(candidate, production *Version, p *pipeline.Promote) (bool, float64) {
	if p == nil || candidate == nil {
		return false, 0
	}
	c, ok := candidate.Metrics[p.Metric]
	if !ok || math.IsNaN(c) {
		return false, 0
	}
	if production == nil {
		return true, 0
	}
	if production.Model == candidate.Model && production.Version == candidate.Version {
		return false, 0
	}
	prod, ok := production.Metrics[p.Metric]
	if !ok || math.IsNaN(prod) {
		return true, 0
	}
	delta := c - prod
	if p.Goal == "min" {
		delta = prod - c
	}
	if math.IsNaN(delta) {
		return false, 0
	}
	return delta > 0 && delta >= p.MinDelta, delta
}
