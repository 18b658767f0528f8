package reports

import (
	"math"
	"sort"
	"strings"

	"github.com/mlcd-dev/mlcd/registry"
)

// Subject is one side of a comparison: a run or a model version.
type Subject struct {
	Label   string // "churn-rf v3"
	Href    string // link to its page, relative or absolute; "" for none
	Note    string // e.g. its stage
	Params  map[string]string
	Metrics map[string]float64
	// History holds metric histories, for the overlaid chart; may be nil.
	History map[string]history
}

// Comparison is subjects side by side: every param and metric that any of
// them has, one row each, marking the rows whose values differ. The HTML
// page and CompareMarkdown render the same Comparison.
type Comparison struct {
	Subjects []Subject
	Params   []CompareRow
	Metrics  []CompareRow
	// Deltas says the metric rows have a change from the first subject
	// to the second (a comparison of two).
	Deltas bool
}

// CompareRow is one param or metric across the subjects.
type CompareRow struct {
	Name    string
	Cells   []string  // formatted; "" where a subject lacks it
	Values  []float64 // metrics only; NaN where a subject lacks it
	Differs bool
	// Delta is the second value less the first, and Mark "better" or
	// "worse" by the metric's declared goal; only when Comparison.Deltas.
	Delta, Mark string
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
	c := &Comparison{Subjects: subjects}
	for _, name := range unionNames(subjects, func(s Subject) []string { return sortedKeys(s.Params) }) {
		row := CompareRow{Name: name}
		for _, s := range subjects {
			v, ok := s.Params[name]
			if !ok {
				v = ""
			}
			row.Cells = append(row.Cells, v)
		}
		row.Differs = differs(row.Cells)
		c.Params = append(c.Params, row)
	}
	for _, name := range unionNames(subjects, func(s Subject) []string { return sortedKeys(s.Metrics) }) {
		row := CompareRow{Name: name}
		for _, s := range subjects {
			v, ok := s.Metrics[name]
			cell := ""
			if !ok {
				v = math.NaN()
			} else {
				cell = formatFloat(v)
			}
			row.Values = append(row.Values, v)
			row.Cells = append(row.Cells, cell)
		}
		row.Differs = differs(row.Cells)
		c.Metrics = append(c.Metrics, row)
	}
	return c
}

func unionNames(subjects []Subject, names func(Subject) []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range subjects {
		for _, n := range names(s) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

func differs(cells []string) bool {
	for _, c := range cells[1:] {
		if c != cells[0] {
			return true
		}
	}
	return false
}

// VersionSubject describes a model version for Compare.
func VersionSubject(v *registry.Version) Subject {
	s := Subject{Label: v.Model + " v" + itoa(v.Version), Note: string(v.Stage),
		Params: map[string]string{}, Metrics: map[string]float64{}}
	for k, p := range v.Params {
		s.Params[k] = formatValue(p)
	}
	for k, m := range v.Metrics {
		s.Metrics[k] = m
	}
	return s
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
	names := unionNames(c.Subjects, func(s Subject) []string { return sortedKeys(s.History) })
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

// VersionCompareURL is the address of the page that compares version n of
// model with the current Production version, in a site published at base
// (e.g. "https://org.github.io/repo/"); for links in pull request bodies.
func VersionCompareURL(base, model string, n int) string {
	if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + "models/" + slug(model) + "/v" + itoa(n) + "-vs-production.html"
}
