package promotion

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/compare"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// Body is the Markdown of a promotion pull request: what changes, the
// comparison of v with the current Production version prod (nil: none) as
// compare renders it (metrics with deltas, params that differ), which is
// better on each metric, the runs and artifacts side by side, and a link
// to the report's comparison page when reportURL is set.
func Body(v, prod *registry.Version, to registry.Stage, policy *pipeline.Promote, reportURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Sets `stage:` of `%s` from %s to %s.\n\n", v.Path(), v.Stage, to)
	if prod == nil {
		fmt.Fprintf(&b, "%s has no Production version yet.\n\n", esc(v.Model))
		b.WriteString(compare.Markdown(compare.Of(compare.Version(v))))
	} else {
		fmt.Fprintf(&b, "### %s v%d against Production v%d\n\n", esc(v.Model), v.Version, prod.Version)
		b.WriteString(compare.Markdown(compare.Of(compare.Version(prod), compare.Version(v))))
		if better := betterLines(v, prod, policy); better != "" {
			b.WriteString("\n" + better)
		}
	}
	b.WriteString("\n" + runsTable(v, prod))
	if reportURL != "" {
		fmt.Fprintf(&b, "\n[Full comparison in the report](%s)\n", compare.VersionCompareURL(reportURL, v.Model, v.Version))
	}
	if to == registry.StageProduction {
		b.WriteString("\nMerging this pull request deploys the version (once the merge gate of `deploy.require` passes); `mlcd check` validates the change.\n")
	} else {
		b.WriteString("\nMerging this pull request changes the stage only; `mlcd check` validates the change.\n")
	}
	return b.String()
}

// betterLines says, for each metric both versions have, which is better:
// the policy's metric by its goal, others by their name (losses and errors
// lower, anything else higher), which the line says.
func betterLines(v, prod *registry.Version, policy *pipeline.Promote) string {
	var names []string
	for name := range v.Metrics {
		if _, ok := prod.Metrics[name]; ok {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Which is better:\n")
	for _, name := range names {
		lower, why := lowerIsBetter(name, policy)
		c, p := v.Metrics[name], prod.Metrics[name]
		winner := "equal"
		switch {
		case math.IsNaN(c) || math.IsNaN(p) || c == p:
		case (c < p) == lower:
			winner = fmt.Sprintf("v%d", v.Version)
		default:
			winner = fmt.Sprintf("v%d (Production)", prod.Version)
		}
		dir := "higher"
		if lower {
			dir = "lower"
		}
		fmt.Fprintf(&b, "- %s: **%s** (%s is better, %s)\n", esc(name), winner, dir, why)
	}
	return b.String()
}

// lowerIsBetter decides a metric's direction and says on what grounds.
func lowerIsBetter(name string, policy *pipeline.Promote) (bool, string) {
	if policy != nil && policy.Metric == name {
		return policy.Goal == "min", "the promotion metric"
	}
	n := strings.ToLower(name)
	for _, s := range []string{"loss", "error", "rmse", "mse", "mae", "mape", "latency"} {
		if strings.Contains(n, s) {
			return true, "by its name"
		}
	}
	return false, "by default"
}

// runsTable puts where each version comes from side by side.
func runsTable(v, prod *registry.Version) string {
	cols := []*registry.Version{v}
	if prod != nil {
		cols = []*registry.Version{prod, v}
	}
	var b strings.Builder
	b.WriteString("| |")
	for _, c := range cols {
		fmt.Fprintf(&b, " v%d (%s) |", c.Version, c.Stage)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(cols)) + "\n")
	rows := []struct {
		name string
		get  func(*registry.Version) string
	}{
		{"run", func(x *registry.Version) string { return x.RunID }},
		{"task", func(x *registry.Version) string { return x.Task }},
		{"commit", func(x *registry.Version) string { return shortHash(x.Commit) }},
		{"trained", func(x *registry.Version) string { return x.Created.UTC().Format("2006-01-02 15:04 UTC") }},
		{"artifact", func(x *registry.Version) string {
			return x.Artifact.File + ", " + strconv.FormatInt(x.Artifact.Size, 10) + " bytes"
		}},
		{"sha256", func(x *registry.Version) string { return x.Artifact.SHA256 }},
	}
	for _, r := range rows {
		b.WriteString("| " + r.name + " |")
		for _, c := range cols {
			cell := esc(r.get(c))
			if r.name == "sha256" || r.name == "commit" {
				cell = "`" + strings.ReplaceAll(r.get(c), "`", "") + "`"
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// escaper neutralises Markdown and HTML in text from the repository, as
// compare does for its tables.
var escaper = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]",
	"~", "\\~", "|", "\\|", "#", "\\#", "!", "\\!",
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "@", "&#64;",
	"\r\n", " ", "\n", " ", "\r", " ",
)

func esc(s string) string { return escaper.Replace(s) }
