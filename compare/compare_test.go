package compare

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func testVersions() (candidate, production *registry.Version) {
	production = &registry.Version{Model: "churn-rf", Version: 3, Stage: registry.StageProduction,
		Metrics: map[string]float64{"f1": 0.80, "accuracy": 0.90, "auc": 0.85},
		Params:  pipeline.Params{"n_estimators": int64(200), "max_depth": int64(8), "criterion": "gini"}}
	candidate = &registry.Version{Model: "churn-rf", Version: 4, Stage: registry.StageNone,
		Metrics: map[string]float64{"f1": 0.84, "accuracy": 0.90, "log_loss": 0.31},
		Params:  pipeline.Params{"n_estimators": int64(400), "max_depth": int64(8), "criterion": "<b>@team|x</b>"}}
	return candidate, production
}

func TestOf_Rows(t *testing.T) {
	cand, prod := testVersions()
	c := Of(Version(prod), Version(cand))
	want := []Row{
		{Name: "accuracy", Cells: []string{"0.9", "0.9"}, Values: []float64{0.9, 0.9}},
		{Name: "auc", Cells: []string{"0.85", ""}, Values: []float64{0.85, math.NaN()}, Differs: true},
		{Name: "f1", Cells: []string{"0.8", "0.84"}, Values: []float64{0.8, 0.84}, Differs: true},
		{Name: "log_loss", Cells: []string{"", "0.31"}, Values: []float64{math.NaN(), 0.31}, Differs: true},
	}
	if diff := cmp.Diff(want, c.Metrics, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("metric rows (-want +got):\n%s", diff)
	}
	var differing []string
	for _, r := range c.Params {
		if r.Differs {
			differing = append(differing, r.Name)
		}
	}
	if diff := cmp.Diff([]string{"criterion", "n_estimators"}, differing); diff != "" {
		t.Errorf("differing params (-want +got):\n%s", diff)
	}
}

func TestMarkdown_Golden(t *testing.T) {
	cand, prod := testVersions()
	p := Version(prod)
	p.Href = "https://example.org/site/models/churn-rf/index.html"
	got := Markdown(Of(p, Version(cand)))
	golden := filepath.Join("testdata", "compare.md")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run go test -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Markdown (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"<b>", "@team"} {
		if strings.Contains(got, bad) {
			t.Errorf("markdown keeps %q unescaped", bad)
		}
	}
	if !strings.Contains(got, `&#64;team\|x`) {
		t.Error("a | in a param value is not escaped")
	}
}

func TestMdEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a|b", `a\|b`},
		{"<script>", "&lt;script&gt;"},
		{"[x](javascript:y)", `\[x\](javascript:y)`},
		{"line\nbreak", "line break"},
		{"@octocat", "&#64;octocat"},
		{"**bold**_", `\*\*bold\*\*\_`},
	}
	for _, tt := range tests {
		if got := mdEscape(tt.in); got != tt.want {
			t.Errorf("mdEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVersionCompareURL(t *testing.T) {
	tests := []struct{ base, model, want string }{
		{"https://o.github.io/r", "churn-rf", "https://o.github.io/r/models/churn-rf/v4-vs-production.html"},
		{"https://o.github.io/r/", "churn-rf", "https://o.github.io/r/models/churn-rf/v4-vs-production.html"},
		{"", "a/../b", "models/" + Slug("a/../b") + "/v4-vs-production.html"},
	}
	for _, tt := range tests {
		if got := VersionCompareURL(tt.base, tt.model, 4); got != tt.want {
			t.Errorf("VersionCompareURL(%q, %q) = %q, want %q", tt.base, tt.model, got, tt.want)
		}
	}
}

func TestVersions(t *testing.T) {
	cand, prod := testVersions()
	got := Versions(cand, prod, "https://o.github.io/r/")
	for _, want := range []string{
		"[churn-rf v3 (Production)](https://o.github.io/r/models/churn-rf/index.html)",
		"[churn-rf v4 (None)](https://o.github.io/r/models/churn-rf/v4-vs-production.html)",
		"| f1 | 0.8 | 0.84 | +0.04 (5.0%) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Versions lacks %q:\n%s", want, got)
		}
	}
	first := Versions(cand, nil, "")
	if !strings.Contains(first, "| metric | churn-rf v4 (None) |\n") || strings.Contains(first, "change") {
		t.Errorf("Versions without Production:\n%s", first)
	}
}
