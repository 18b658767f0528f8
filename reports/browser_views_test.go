package reports

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The runs table: metrics before params, the promotion metric first, and
// a view (columns, filter, sort) that survives a trip through the page
// address, as a shared link does.
func TestRunsTable_ViewInTheAddressInChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	index := fileURL(filepath.Join(site, "runs", "index.html"))
	b.Do(t, chromedp.Navigate(index), chromedp.WaitReady(css("#runs")))
	heads := eval[[]string](t, b, `Array.from(document.querySelectorAll("#runs th[data-col]"), th => (th.classList.contains("param") ? "p:" : th.classList.contains("promo") ? "*:" : "m:") + th.textContent)`)
	if got := strings.Join(heads, " "); got != "*:train_rf.f1 *:train_xgb.f1 m:train_rf.accuracy m:train_xgb.accuracy p:data p:n_estimators" {
		t.Errorf("column order %s; want promotion metrics, other metrics, then params", got)
	}

	const rowIDs = `Array.from(document.querySelectorAll("#runs tbody tr:not(.hide) td:nth-child(3)"), td => td.textContent)`
	const change = `.dispatchEvent(new Event("change"))`
	eval[bool](t, b, `(document.querySelector('#cols input[data-name="train_rf.accuracy"]').click(), true)`)
	eval[bool](t, b, `(document.querySelector("#trigger").value = "schedule", document.querySelector("#trigger")`+change+`)`)
	b.Do(t, chromedp.Click(css(`#runs th[data-col="m1"]`)))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 2 {
		t.Fatalf("trigger schedule: %v, want the 2 scheduled runs", ids)
	}
	hash := eval[string](t, b, `location.hash`)
	for _, part := range []string{"cols=", "trigger=schedule", "sort=train_xgb.f1%3Aasc"} {
		if !strings.Contains(hash, part) {
			t.Errorf("address %q lacks %q", hash, part)
		}
	}
	if strings.Contains(hash, "train_rf.accuracy") {
		t.Errorf("address %q lists the column that was hidden", hash)
	}
	if href := eval[string](t, b, `document.querySelector("#compare") && location.href`); !strings.HasSuffix(href, hash) {
		t.Errorf("location %q does not end with the view", href)
	}

	// Open the link in a fresh page: the same view.
	b.Do(t, chromedp.Navigate("about:blank"), chromedp.Navigate(index+hash), chromedp.WaitReady(css("#runs")))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 2 {
		t.Errorf("reopened view shows %v, want the 2 scheduled runs", ids)
	}
	if v := eval[string](t, b, `document.querySelector("#trigger").value`); v != "schedule" {
		t.Errorf("reopened trigger filter %q", v)
	}
	hidden := eval[[]bool](t, b, `[document.querySelector('#runs th[data-col="m2"]').classList.contains("hide"),
		document.querySelector('#runs th[data-col="m1"]').classList.contains("hide"),
		document.querySelector('#cols input[data-name="train_rf.accuracy"]').checked]`)
	if len(hidden) != 3 || !hidden[0] || hidden[1] || hidden[2] {
		t.Errorf("reopened columns: train_rf.accuracy hidden=%v, train_xgb.f1 hidden=%v, box ticked=%v", hidden[0], hidden[1], hidden[2])
	}
	if dir := eval[string](t, b, `document.querySelector('#runs th[data-col="m1"]').getAttribute("data-dir") || ""`); dir != "asc" {
		t.Errorf("reopened sort direction %q, want asc", dir)
	}

	// A param's value filters too, and the text search.
	eval[bool](t, b, `(document.querySelector("#trigger").value = "", document.querySelector("#trigger")`+change+`)`)
	eval[bool](t, b, `(document.querySelector("#param").value = document.querySelector('#param option:nth-child(3)').value, document.querySelector("#param-value").value = "300", document.querySelector("#param-value")`+change+`)`)
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 1 || ids[0] != "20260301T120000Z-3009" {
		t.Errorf("n_estimators = 300: %v, want the one run", ids)
	}
	if hash := eval[string](t, b, `location.hash`); !strings.Contains(hash, "param=n_estimators") || !strings.Contains(hash, "pv=300") {
		t.Errorf("address %q lacks the param filter", hash)
	}
	b.Check(t, "runs table view")
}

// A model page's trend: one dot per version, Production marked, hovering
// shows the version's value, the legend hides the series.
func TestModelTrend_InChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "models", "churn-rf", "index.html"))), chromedp.WaitReady(css("figure.points")))
	if n := eval[int](t, b, `document.querySelectorAll("figure.points circle.pt").length`); n != 3 {
		t.Errorf("%d dots, want 3 versions", n)
	}
	got := eval[string](t, b, `(document.querySelectorAll("figure.points circle.pt")[1].dispatchEvent(new MouseEvent("mouseover", {bubbles: true})),
		document.querySelector("figure.points output.hover").textContent)`)
	if !strings.HasPrefix(got, "v2 (Staging): f1 = 0.77") {
		t.Errorf("hover on v2 shows %q", got)
	}
	if n := eval[int](t, b, `document.querySelectorAll("figure.points circle.pt.mark").length`); n != 1 {
		t.Errorf("%d marked dots, want the Production version's", n)
	}
	hidden := eval[int](t, b, `(document.querySelector("figure.points button.series").click(), document.querySelectorAll("figure.points circle.pt.hide").length)`)
	if hidden != 3 {
		t.Errorf("hiding the series hid %d dots, want 3", hidden)
	}
	b.Check(t, "model page")
}

// Comparing two runs: a change column, the promotion metric judged by
// its goal, bars from an axis near the data.
func TestCompare_DeltasInChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "compare.html"))+"#runs=churn/20260301T100000Z-1003,churn/20260301T120000Z-3009"),
		chromedp.WaitVisible(css("#compare-out table")))
	titles := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out h2"), h => h.textContent)`)
	if len(titles) < 2 || titles[0] != "Metrics" || titles[1] != "Params" {
		t.Errorf("sections %v, want Metrics before Params", titles)
	}
	cells := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out tr"))
		.filter(tr => tr.firstChild.textContent === "train_xgb.f1" || tr.firstChild.textContent === "train_xgb.accuracy")
		.map(tr => tr.lastChild.className + "|" + tr.lastChild.textContent)`)
	if len(cells) != 2 || cells[0] != "num|+0.04" || cells[1] != "num better|+0.04 ▲ better" {
		t.Errorf("change cells %q; want accuracy +0.04 without a verdict, f1 +0.04 better", cells)
	}
	if n := eval[int](t, b, `Array.from(document.querySelectorAll("#compare-out text")).filter(t => t.textContent.startsWith("axis from")).length`); n == 0 {
		t.Error("no bar chart says its axis does not start at zero")
	}
	b.Check(t, "compare")
}

// The charts across runs: one dot per run and promotion-metric column,
// Production's runs ringed, hover values, a scatter per varying param;
// the compare page's parallel coordinates draw one line per run.
func TestChartsAcrossRuns_InChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "charts.html"))), chromedp.WaitReady(css("figure.points")))
	// 5 runs, each with train_rf.f1 and train_xgb.f1.
	counts := eval[[]int](t, b, `Array.from(document.querySelectorAll("figure.points"), f => f.querySelectorAll("circle.pt").length)`)
	if len(counts) != 3 || counts[0] != 10 || counts[1] != 10 || counts[2] != 10 {
		t.Errorf("dots per chart %v; want over time, by commit and n_estimators, 10 dots each", counts)
	}
	// churn-rf v1 and churn-xgb v1 are Production, both from run -1003.
	marks := eval[[]string](t, b, `Array.from(document.querySelector("figure.points").querySelectorAll("circle.mark"), c => c.querySelector("title").textContent)`)
	if len(marks) != 2 || !strings.Contains(marks[0], "20260301T100000Z-1003") {
		t.Errorf("ringed dots %q, want the two Production versions' run", marks)
	}
	got := eval[string](t, b, `(() => { const c = Array.from(document.querySelectorAll("figure.points")[0].querySelectorAll("circle.pt"))
		.find(c => c.querySelector("title").textContent.startsWith("churn/20260301T120000Z-3009 · train_xgb.f1"));
		c.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
		return document.querySelector("figure.points output.hover").textContent; })()`)
	if !strings.Contains(got, "train_xgb.f1 = 0.8 ") {
		t.Errorf("hover on run -3009's train_xgb.f1 shows %q, want its value 0.8", got)
	}
	// Its dot sits above the 0.79 of train_rf.f1 of the same run.
	ys := eval[[]float64](t, b, `["train_rf.f1", "train_xgb.f1"].map(m => +Array.from(document.querySelectorAll("figure.points")[0].querySelectorAll("circle.pt"))
		.find(c => c.querySelector("title").textContent.startsWith("churn/20260301T120000Z-3009 · " + m)).getAttribute("cy"))`)
	if len(ys) != 2 || ys[1] >= ys[0] {
		t.Errorf("cy of 0.79 and 0.8: %v; want 0.8 higher", ys)
	}
	b.Check(t, "charts page")

	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "compare.html"))+"#runs=churn/20260301T100000Z-1003,churn/20260301T110000Z-2006,churn/20260301T120000Z-3009"),
		chromedp.WaitVisible(css("#compare-out .parallel svg")))
	if n := eval[int](t, b, `document.querySelectorAll("#compare-out .parallel polyline.pc").length`); n != 3 {
		t.Errorf("parallel coordinates draw %d lines, want one per run (3)", n)
	}
	// The 4 metrics, then n_estimators, train_rf.max_depth and
	// train_xgb.max_depth; data is not a number.
	axes := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out .parallel text.axis-name"), t => t.textContent)`)
	if got := strings.Join(axes, " "); got != "train_rf.accuracy train_rf.f1 train_xgb.accuracy train_xgb.f1 n_estimators train_rf.max_depth train_xgb.max_depth" {
		t.Errorf("parallel coordinates' axes: %s; want the metrics, then the numeric params", got)
	}
	b.Check(t, "parallel coordinates")
}

// "all runs" filters and sorts the runs of every page, from runs/all.js.
func TestRunsTable_AllRunsInChromium(t *testing.T) {
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	out := t.TempDir()
	builtSite(t, repo, Options{Out: out, PageSize: 2})
	b := newBrowser(t)
	const rowIDs = `Array.from(document.querySelectorAll("#runs tbody tr:not(.hide) td:nth-child(3)"), td => td.textContent)`
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(out, "runs", "index.html"))), chromedp.WaitReady(css("#runs")))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 1 {
		t.Fatalf("last page holds %v, want 1 run of 5 at 2 a page", ids)
	}
	b.Do(t, chromedp.Click(css("#all")), chromedp.Poll[chromedp.Void](`document.querySelectorAll("#runs tbody tr").length === 5`))
	eval[bool](t, b, `(document.querySelector("#trigger").value = "push", document.querySelector("#trigger").dispatchEvent(new Event("change")))`)
	b.Do(t, chromedp.Click(css(`#runs th[data-col="m1"]`))) // train_xgb.f1, ascending
	ids := eval[[]string](t, b, rowIDs)
	if got := strings.Join(ids, " "); got != "20260301T130000Z-400c 20260301T100000Z-1003 20260301T120000Z-3009" {
		t.Errorf("pushed runs by train_xgb.f1: %s", got)
	}
	cells := eval[[]string](t, b, `Array.from(document.querySelectorAll("#runs tbody tr:last-child td.promo"), td => td.textContent)`)
	if len(cells) != 2 || cells[0] != "0.79" || cells[1] != "0.8" {
		t.Errorf("run -3009's promotion metric cells %v, want 0.79 and 0.8", cells)
	}
	hash := eval[string](t, b, `location.hash`)
	if !strings.Contains(hash, "all=1") {
		t.Errorf("address %q does not keep the all-runs view", hash)
	}
	b.Do(t, chromedp.Navigate("about:blank"), chromedp.Navigate(fileURL(filepath.Join(out, "runs", "page-1.html"))+hash),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#runs tbody tr").length === 3`))
	if got := strings.Join(eval[[]string](t, b, rowIDs), " "); got != "20260301T130000Z-400c 20260301T100000Z-1003 20260301T120000Z-3009" {
		t.Errorf("the link opened on page 1: %s", got)
	}
	b.Check(t, "all runs")
}
