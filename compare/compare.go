package compare

import (
	"math"
	"sort"
	"strconv"
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
}

// Comparison is subjects side by side: every param and metric that any of
// them has, one row each, marking the rows whose values differ. The
// report's page and Markdown render the same Comparison.
type Comparison struct {
	Subjects []Subject
	Params   []Row
	Metrics  []Row
}

// Row is one param or metric across the subjects.
type Row struct {
	Name    string
	Cells   []string  // formatted; "" where a subject lacks it
	Values  []float64 // metrics only; NaN where a subject lacks it
	Differs bool
	// Delta is the second value less the first, and Mark "better" or
	// "worse" by the metric's declared goal; the report sets them when it
	// compares two subjects.
	Delta, Mark string
}

// Span is the number of table columns (for headers that span the table).
func (c *Comparison) Span() int { return len(c.Subjects) + 1 }

// Of lines the subjects up, in the order given.
func Of(subjects ...Subject) *Comparison {
	c := &Comparison{Subjects: subjects}
	for _, name := range UnionNames(subjects, func(s Subject) []string { return sortedKeys(s.Params) }) {
		row := Row{Name: name}
		for _, s := range subjects {
			row.Cells = append(row.Cells, s.Params[name])
		}
		row.Differs = differs(row.Cells)
		c.Params = append(c.Params, row)
	}
	for _, name := range UnionNames(subjects, func(s Subject) []string { return sortedKeys(s.Metrics) }) {
		row := Row{Name: name}
		for _, s := range subjects {
			v, ok := s.Metrics[name]
			cell := ""
			if !ok {
				v = math.NaN()
			} else {
				cell = FormatFloat(v)
			}
			row.Values = append(row.Values, v)
			row.Cells = append(row.Cells, cell)
		}
		row.Differs = differs(row.Cells)
		c.Metrics = append(c.Metrics, row)
	}
	return c
}

// UnionNames returns, sorted, every name that names gives for any subject.
func UnionNames[S any](subjects []S, names func(S) []string) []string {
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Version describes a model version for Of.
func Version(v *registry.Version) Subject {
	s := Subject{Label: v.Model + " v" + strconv.Itoa(v.Version), Note: string(v.Stage),
		Params: map[string]string{}, Metrics: map[string]float64{}}
	for k, p := range v.Params {
		s.Params[k] = FormatValue(p)
	}
	for k, m := range v.Metrics {
		s.Metrics[k] = m
	}
	return s
}

// VersionCompareURL is the address of the report's page that compares
// version n of model with the current Production version, in a site
// published at base (e.g. "https://org.github.io/repo/"); for links in
// pull request bodies.
func VersionCompareURL(base, model string, n int) string {
	if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + "models/" + Slug(model) + "/v" + strconv.Itoa(n) + "-vs-production.html"
}
