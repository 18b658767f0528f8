package reports

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A version's row lists the params its task reported, not the run's
// params the registry file merges in (churn-xgb v3's file has the run's
// n_estimators); the "vs Production" page compares the same.
func TestBuilder_ModelPageShowsTheTasksOwnParams(t *testing.T) {
	site, _ := buildSite(t, "small")
	page, err := os.ReadFile(filepath.Join(site, "models", "churn-xgb", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`<tr><td>v3</td>.*</tr>`).FindString(string(page))
	if !strings.Contains(row, `<td class="mono">max_depth=6 </td>`) || strings.Contains(row, "n_estimators") {
		t.Errorf("v3's row = %s\nwant its task's max_depth=6 alone", row)
	}
	cmp, err := os.ReadFile(filepath.Join(site, "models", "churn-xgb", "v3-vs-production.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(cmp), "n_estimators") {
		t.Error("the vs Production page lists the run's n_estimators as the version's param")
	}
	// Metrics come before params, with the change and its verdict.
	s := string(cmp)
	if m, p := strings.Index(s, ">metrics<"), strings.Index(s, ">params<"); m < 0 || p < m {
		t.Errorf("metrics at %d, params at %d: want metrics first", m, p)
	}
	if !strings.Contains(s, `<td class="num better">&#43;0.04 &#9650; better</td>`) {
		t.Error("f1 0.76 -> 0.8 under goal max is not marked +0.04 better")
	}
}

func TestVersionTrend(t *testing.T) {
	site, _ := buildSite(t, "small")
	page, err := os.ReadFile(filepath.Join(site, "models", "churn-rf", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	if n := strings.Count(s, `<circle class="pt`); n != 3 {
		t.Errorf("%d points on churn-rf's trend, want one per version (3)", n)
	}
	if n := strings.Count(s, `<circle class="pt mark"`); n != 1 || !strings.Contains(s, "(Production): f1 = 0.75") {
		t.Errorf("%d marked points; want v1, Production with f1 0.75", n)
	}
	if (goals{}).Metric != "" || versionTrend(nil, goals{}, nil) != nil {
		t.Error("a pipeline without promote: has a trend")
	}
}

// The run summaries keep the promotion metric's values: naming another
// metric in mlcd.yaml reads the records again, and the charts follow.
func TestBuilder_PromotionMetricChangeRereadsRecords(t *testing.T) {
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	out := t.TempDir()
	b := builtSite(t, repo, Options{Out: out})
	spec := filepath.Join(repo, "mlcd.yaml")
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, []byte(strings.Replace(string(data), "metric: f1, goal: max", "metric: accuracy, goal: min", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, err := b.Build(context.Background(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Parsed != 5 {
		t.Errorf("read %d records after the promotion metric changed, want all 5", stats.Parsed)
	}
	page, err := os.ReadFile(filepath.Join(out, "runs", "charts.html"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(page); !strings.Contains(s, "train_xgb.accuracy = 0.85 ") || strings.Contains(s, "train_xgb.f1 =") || !strings.Contains(s, "lower is better") {
		t.Error("the charts page does not chart accuracy (lower is better) after mlcd.yaml named it")
	}
}
