package reports

import (
	"errors"
	"io/fs"
	"math"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// goals is what the pipeline's mlcd.yaml says about metrics: the metric
// `promote:` decides on, and whether higher or lower is better. Only that
// metric has a declared goal; the others are shown without a verdict.
type goals struct {
	Metric string // "f1"; "" when the pipeline declares no promotion
	Goal   string // "max" or "min"
	// Tasks are the tasks that register a model: their Metric is the
	// promotion metric. Empty means any task's.
	Tasks map[string]bool
}

// loadGoals reads the promotion metric from the repository's mlcd.yaml.
// A repository without one, or with one that does not validate, has no
// goals: the report still renders, and `mlcd validate` names the problem.
func loadGoals(repo string) (goals, error) {
	spec, err := pipeline.Load(repo)
	if errors.Is(err, fs.ErrNotExist) {
		return goals{}, nil
	}
	if err != nil {
		return goals{}, err
	}
	g := goals{Tasks: map[string]bool{}}
	if spec.Promote == nil || spec.Promote.Metric == "" {
		return g, nil
	}
	g.Metric, g.Goal = spec.Promote.Metric, spec.Promote.Goal
	if g.Goal != "min" {
		g.Goal = "max"
	}
	for _, t := range spec.Tasks {
		if t.Model != nil {
			g.Tasks[t.Name] = true
		}
	}
	return g, nil
}

// promoted reports whether the runs-table column "task.metric" is the
// promotion metric of a task that registers a model.
func (g goals) promoted(col string) bool {
	if g.Metric == "" {
		return false
	}
	task, ok := strings.CutSuffix(col, "."+g.Metric)
	return ok && task != "" && (len(g.Tasks) == 0 || g.Tasks[task])
}

// goalOf is the goal of a metric named "metric" (a version's) or
// "task.metric" (a run's): "max", "min" or "" when none is declared.
func (g goals) goalOf(name string) string {
	if g.Metric == "" {
		return ""
	}
	if name == g.Metric || g.promoted(name) {
		return g.Goal
	}
	return ""
}

// verdict says whether value is better or worse than base under goal:
// "better", "worse", or "" when they are equal, either is missing or the
// goal is unknown.
func verdict(goal string, base, value float64) string {
	if goal == "" || !finite(base) || !finite(value) || base == value {
		return ""
	}
	if (value > base) == (goal == "max") {
		return "better"
	}
	return "worse"
}

// formatDelta prints value-base with its sign, "" when either is missing.
func formatDelta(base, value float64) string {
	d := value - base
	if !finite(d) {
		return ""
	}
	if d == 0 {
		return "0"
	}
	// Differences of values printed to four decimals print the same way,
	// without the float noise of the subtraction (0.8-0.79).
	if math.Abs(d) >= 1e-4 && math.Abs(d) < 1e5 {
		d = math.Round(d*1e6) / 1e6
	}
	s := formatFloat(d)
	if d > 0 {
		s = "+" + s
	}
	return s
}
