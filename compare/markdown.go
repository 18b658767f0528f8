package compare

import (
	"math"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/registry"
)

// Markdown renders c as GitHub-flavoured Markdown for a pull
// request body or comment: a table of metrics (with the change from the
// first to the last subject when there are two) and a table of the params
// that differ. Every value is escaped, so a param cannot open a link,
// mention a user or inject HTML.
func Markdown(c *Comparison) string {
	var b strings.Builder
	two := len(c.Subjects) == 2
	header := func(first string) {
		b.WriteString("| " + first + " |")
		for _, s := range c.Subjects {
			b.WriteString(" " + mdSubject(s) + " |")
		}
		if two && first == "metric" {
			b.WriteString(" change |")
		}
		b.WriteString("\n|---|")
		for range c.Subjects {
			b.WriteString("---:|")
		}
		if two && first == "metric" {
			b.WriteString("---:|")
		}
		b.WriteString("\n")
	}
	if len(c.Metrics) > 0 {
		header("metric")
		for _, r := range c.Metrics {
			b.WriteString("| " + mdEscape(r.Name) + " |")
			for _, cell := range r.Cells {
				b.WriteString(" " + mdEscape(cell) + " |")
			}
			if two {
				b.WriteString(" " + mdDelta(r.Values[0], r.Values[1]) + " |")
			}
			b.WriteString("\n")
		}
	} else {
		b.WriteString("No metrics to compare.\n")
	}
	var diff []Row
	for _, r := range c.Params {
		if r.Differs {
			diff = append(diff, r)
		}
	}
	if len(diff) > 0 {
		b.WriteString("\n")
		header("param")
		for _, r := range diff {
			b.WriteString("| " + mdEscape(r.Name) + " |")
			for _, cell := range r.Cells {
				b.WriteString(" " + mdEscape(cell) + " |")
			}
			b.WriteString("\n")
		}
	} else if len(c.Params) > 0 {
		b.WriteString("\nSame params.\n")
	}
	return b.String()
}

func mdSubject(s Subject) string {
	label := mdEscape(s.Label)
	if s.Note != "" {
		label += " (" + mdEscape(s.Note) + ")"
	}
	if strings.HasPrefix(s.Href, "https://") || strings.HasPrefix(s.Href, "http://") {
		return "[" + label + "](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(s.Href) + ")"
	}
	return label
}

// mdDelta prints b - a with its sign, "" when either is missing.
func mdDelta(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) {
		return ""
	}
	d := b - a
	s := FormatFloat(d)
	if d > 0 {
		s = "+" + s
	}
	if a != 0 && d-d == 0 { // finite
		s += " (" + strconv.FormatFloat(d/math.Abs(a)*100, 'f', 1, 64) + "%)"
	}
	return mdEscape(s)
}

// mdEscaper neutralises Markdown and HTML in a table cell: backslash
// escapes for Markdown syntax, entities for HTML and @-mentions.
var mdEscaper = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]",
	"~", "\\~", "|", "\\|", "#", "\\#", "!", "\\!",
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "@", "&#64;",
	"\r\n", " ", "\n", " ", "\r", " ",
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// Versions compares a candidate version with the current Production
// version (nil when there is none) for a pull request body: Markdown of
// the two, with links into the report published at
// base ("" for no links).
func Versions(candidate, production *registry.Version, base string) string {
	cand := Version(candidate)
	if base != "" {
		cand.Href = VersionCompareURL(base, candidate.Model, candidate.Version)
	}
	if production == nil {
		return Markdown(Of(cand))
	}
	prod := Version(production)
	if base != "" {
		prod.Href = strings.TrimSuffix(base, "/") + "/models/" + Slug(production.Model) + "/index.html"
	}
	return Markdown(Of(prod, cand))
}
