package reports

import (
	"github.com/mlcd-dev/mlcd/compare"
	"github.com/mlcd-dev/mlcd/registry"
)

// Subject is one side of the comparison page: compare's subject with the
// metric histories of its run, for the overlaid chart (History may be nil).
type Subject struct {
	compare.Subject
	History map[string]history
}

// Comparison is compare's comparison of the subjects, with their histories.
type Comparison struct {
	*compare.Comparison
	Subjects []Subject
	// Deltas says the metric rows have a change from the first subject
	// to the second (a comparison of two).
	Deltas bool
}

// Span is the number of table columns (for headers that span the table).
func (c *Comparison) Span() int {
	if c.Deltas {
		return len(c.Subjects) + 2
	}
	return len(c.Subjects) + 1
}

// withDeltas adds, to a comparison of two, each metric's change from the
// first subject to the second, judged by the goal g declares for it.
func (c *Comparison) withDeltas(g goals) *Comparison {
	if len(c.Subjects) != 2 {
		return c
	}
	c.Deltas = true
	for i := range c.Metrics {
		r := &c.Metrics[i]
		r.Delta = formatDelta(r.Values[0], r.Values[1])
		r.Mark = verdict(g.goalOf(r.Name), r.Values[0], r.Values[1])
	}
	return c
}

// Compare lines the subjects up, in the order given.
func Compare(subjects ...Subject) *Comparison {
	plain := make([]compare.Subject, len(subjects))
	for i, s := range subjects {
		plain[i] = s.Subject
	}
	return &Comparison{Comparison: compare.Of(plain...), Subjects: subjects}
}

// VersionSubject describes a model version for Compare.
func VersionSubject(v *registry.Version) Subject {
	return Subject{Subject: compare.Version(v)}
}

// barChart draws the final metrics of the comparison.
func (c *Comparison) barChart() *barChart {
	var (
		labels, names []string
		values        [][]float64
	)
	for _, s := range c.Subjects {
		labels = append(labels, s.Label)
	}
	for _, r := range c.Metrics {
		names = append(names, r.Name)
		values = append(values, r.Values)
	}
	return newBarChart("Final metrics", labels, names, values)
}

// historyCharts overlays, per metric, the histories of every subject.
func (c *Comparison) historyCharts() chartList {
	names := compare.UnionNames(c.Subjects, func(s Subject) []string { return sortedKeys(s.History) })
	var charts chartList
	for _, n := range names {
		var series []namedSeries
		for _, s := range c.Subjects {
			series = append(series, namedSeries{Label: s.Label, history: s.History[n]})
		}
		charts = append(charts, newLineChart(n, "step", n, series))
	}
	return charts
}
