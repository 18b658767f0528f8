package reports

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// choose sets a select of the charts page by an option's text, as a
// reader would, and waits for the charts to be drawn again.
func choose(t *testing.T, b *browser, sel, option string) {
	t.Helper()
	ok := eval[bool](t, b, `(() => { const s = document.querySelector(`+jsString(sel)+`);
		const o = Array.from(s.options).find(o => o.text === `+jsString(option)+`);
		if (!o) return false;
		s.value = o.value; s.dispatchEvent(new Event("change")); return true; })()`)
	if !ok {
		t.Fatalf("%s has no option %q", sel, option)
	}
}

func jsString(s string) string { return string(appendJSONString(nil, s)) }

// hoverDot hovers the dot of chart figure fig whose title starts with
// prefix and returns what the chart's hover line shows then.
func hoverDot(t *testing.T, b *browser, fig, prefix string) string {
	t.Helper()
	return eval[string](t, b, `(() => { const f = document.querySelector(`+jsString(fig)+`);
		const c = Array.from(f.querySelectorAll("circle.pt")).find(c => c.querySelector("title").textContent.startsWith(`+jsString(prefix)+`));
		if (!c) return "no such dot";
		c.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
		return f.querySelector("output.hover").textContent; })()`)
}

// Any metric over time and by commit, any param against it, and the
// choice kept in the page address: the demo's questions ("does accuracy
// follow max_depth?") on the small fixture's 5 runs.
func TestCharts_ChooserInChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	page := fileURL(filepath.Join(site, "runs", "charts.html"))
	b.Do(t, chromedp.Navigate(page), chromedp.WaitReady(css("#chart-parallel figure")))
	metrics := eval[[]string](t, b, `Array.from(document.querySelectorAll("#chart-metric option"), o => o.text)`)
	if got := strings.Join(metrics, " "); got != "f1 accuracy" {
		t.Errorf("metric choices %q; want the promotion metric first, then the others", got)
	}
	params := eval[[]string](t, b, `Array.from(document.querySelectorAll("#chart-x option"), o => o.text)`)
	if got := strings.Join(params, " "); got != "n_estimators train_rf.max_depth train_xgb.max_depth" {
		t.Errorf("param choices %q; want the run's params, then the tasks' own", got)
	}

	choose(t, b, "#chart-metric", "accuracy")
	choose(t, b, "#chart-x", "train_xgb.max_depth")
	counts := eval[[]int](t, b, `["#chart-time", "#chart-commit", "#chart-scatter"].map(s => document.querySelectorAll(s + " circle.pt").length)`)
	if len(counts) != 3 || counts[0] != 10 || counts[1] != 10 || counts[2] != 10 {
		t.Errorf("dots over time, by commit, against max_depth: %v; want 10 each (5 runs × 2 accuracy columns)", counts)
	}
	labels := eval[[]string](t, b, `["#chart-time", "#chart-scatter"].map(s => document.querySelector(s + " svg").getAttribute("aria-label"))`)
	if len(labels) != 2 || labels[0] != "train_rf.accuracy, train_xgb.accuracy over time (ringed: Production)" ||
		labels[1] != "train_xgb.max_depth against train_rf.accuracy, train_xgb.accuracy" {
		t.Errorf("charts drawn: %q", labels)
	}
	if got := hoverDot(t, b, "#chart-time figure", "churn/20260301T120000Z-3009 · train_xgb.accuracy"); got != "churn/20260301T120000Z-3009 · train_xgb.accuracy = 0.85 · 2026-03-01 12:00:00Z · commit 000000000000" {
		t.Errorf("hover on run -3009's train_xgb.accuracy shows %q", got)
	}
	if got := hoverDot(t, b, "#chart-scatter figure", "churn/20260301T120000Z-3009 · train_xgb.accuracy"); !strings.Contains(got, "= 0.85 · train_xgb.max_depth = 6 ·") {
		t.Errorf("scatter hover on run -3009 shows %q, want accuracy 0.85 at max_depth 6", got)
	}
	// max_depth 6 is right of 4 on the scatter, and accuracy 0.85 above 0.81.
	xy := eval[[]float64](t, b, `["1003", "3009"].flatMap(id => { const c = Array.from(document.querySelectorAll("#chart-scatter circle.pt"))
		.find(c => c.querySelector("title").textContent.startsWith("churn/20260301T" + (id === "1003" ? "10" : "12") + "0000Z-" + id + " · train_xgb.accuracy"));
		return [+c.getAttribute("cx"), +c.getAttribute("cy")]; })`)
	if len(xy) != 4 || xy[2] <= xy[0] || xy[3] >= xy[1] {
		t.Errorf("scatter positions of (4, 0.81) and (6, 0.85): %v", xy)
	}
	ringed := eval[int](t, b, `document.querySelectorAll("#chart-time circle.pt.mark").length`)
	if ringed != 2 {
		t.Errorf("%d ringed dots, want the 2 columns of the Production versions' run", ringed)
	}
	hidden := eval[int](t, b, `(document.querySelector("#chart-time button.series").click(), document.querySelectorAll("#chart-time circle.pt.hide").length)`)
	if hidden != 5 {
		t.Errorf("hiding train_rf.accuracy hid %d dots, want 5", hidden)
	}
	hash := eval[string](t, b, `location.hash`)
	if hash != "#metric=accuracy&x=train_xgb.max_depth" {
		t.Errorf("address %q does not hold the choice", hash)
	}
	b.Check(t, "charts chooser")

	// The link opened afresh draws the same charts.
	b.Do(t, chromedp.Navigate("about:blank"), chromedp.Navigate(page+hash), chromedp.WaitReady(css("#chart-parallel figure")))
	got := eval[[]string](t, b, `[document.querySelector("#chart-metric").value, document.querySelector("#chart-x").value,
		document.querySelector("#chart-commit svg").getAttribute("aria-label"), String(document.querySelectorAll("#chart-scatter circle.pt").length)]`)
	if strings.Join(got, "|") != "accuracy|train_xgb.max_depth|train_rf.accuracy, train_xgb.accuracy by commit (ringed: Production)|10" {
		t.Errorf("reopened link: %q", got)
	}
	b.Check(t, "charts link")
}

// Parallel coordinates over the drawn runs: an axis per varying param and
// per column of the metric, one line per run, each line's values on hover.
func TestCharts_ParallelCoordinatesInChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "charts.html"))), chromedp.WaitReady(css("#chart-parallel figure")))
	axes := eval[[]string](t, b, `Array.from(document.querySelectorAll("#chart-parallel text.axis-name"), t => t.textContent)`)
	if got := strings.Join(axes, " "); got != "n_estimators train_rf.max_depth train_xgb.max_depth train_rf.f1 train_xgb.f1" {
		t.Errorf("axes %q; want the params, then the promotion metric's columns", got)
	}
	if n := eval[int](t, b, `document.querySelectorAll("#chart-parallel polyline.pc").length`); n != 5 {
		t.Errorf("%d lines, want one per run (5)", n)
	}
	got := eval[string](t, b, `(() => { const l = Array.from(document.querySelectorAll("#chart-parallel polyline.pc"))
		.find(l => l.querySelector("title").textContent.startsWith("churn/20260301T110000Z-2006"));
		l.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
		return document.querySelector("#chart-parallel output.hover").textContent; })()`)
	if got != "churn/20260301T110000Z-2006 · n_estimators = 200 · train_rf.max_depth = 5 · train_xgb.max_depth = 5 · train_rf.f1 = 0.77 · train_xgb.f1 = 0.78" {
		t.Errorf("hover on run -2006's line shows %q", got)
	}
	// n_estimators 300 is the top of its axis: run -3009's line starts there.
	top := eval[bool](t, b, `(() => { const l = Array.from(document.querySelectorAll("#chart-parallel polyline.pc"))
		.find(l => l.querySelector("title").textContent.startsWith("churn/20260301T120000Z-3009"));
		return l.getAttribute("points").split(" ")[0].split(",")[1] === "40"; })()`)
	if !top {
		t.Error("the run with the largest n_estimators does not start at the top of the axis")
	}
	choose(t, b, "#chart-metric", "accuracy")
	if axes := eval[[]string](t, b, `Array.from(document.querySelectorAll("#chart-parallel text.axis-name"), t => t.textContent)`); len(axes) != 5 || axes[3] != "train_rf.accuracy" {
		t.Errorf("after picking accuracy, axes %q", axes)
	}
	b.Check(t, "parallel coordinates")
}

// "chart selected" in the runs table draws the charts, parallel
// coordinates included, over the ticked runs only, and the address keeps
// them through a change of metric.
func TestCharts_SelectedRunsInChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "index.html"))), chromedp.WaitReady(css("#runs")),
		chromedp.Click(css(`input.sel[value="churn/20260301T100000Z-1003"]`)),
		chromedp.Click(css(`input.sel[value="churn/20260301T120000Z-3009"]`)),
		chromedp.Click(css("#chart-sel")), chromedp.WaitReady(css("#chart-parallel figure")))
	if note := eval[string](t, b, `document.querySelector("#charts-selected").textContent`); note != "2 of the 2 selected runs drawn." {
		t.Errorf("note %q", note)
	}
	counts := eval[[]int](t, b, `["#chart-time circle.pt", "#chart-commit circle.pt", "#chart-scatter circle.pt", "#chart-parallel polyline.pc"].map(s => document.querySelectorAll(s).length)`)
	if len(counts) != 4 || counts[0] != 4 || counts[1] != 4 || counts[2] != 4 || counts[3] != 2 {
		t.Errorf("dots over time, by commit, on the scatter, and lines: %v; want 4, 4, 4 (2 runs × 2 columns) and 2", counts)
	}
	lines := eval[[]string](t, b, `Array.from(document.querySelectorAll("#chart-parallel polyline.pc title"), t => t.textContent.split(" · ")[0])`)
	if strings.Join(lines, " ") != "churn/20260301T100000Z-1003 churn/20260301T120000Z-3009" {
		t.Errorf("parallel coordinates of %v", lines)
	}
	choose(t, b, "#chart-metric", "accuracy")
	if hash := eval[string](t, b, `location.hash`); hash != "#metric=accuracy&x=n_estimators&runs=churn%2F20260301T120000Z-3009,churn%2F20260301T100000Z-1003" {
		t.Errorf("address %q", hash)
	}
	if n := eval[int](t, b, `document.querySelectorAll("#chart-time circle.pt").length`); n != 4 {
		t.Errorf("%d dots of accuracy, want the 2 selected runs' 4", n)
	}
	b.Check(t, "charts of selected runs")
}
