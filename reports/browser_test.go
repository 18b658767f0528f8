package reports

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/browsertest"

	"github.com/chromedp/chromedp"
)

// browser is a headless Debian Chromium that records what went wrong on
// the pages it opened.
type browser = browsertest.Browser

func newBrowser(t *testing.T) *browser { return browsertest.New(t) }

func fileURL(path string) string { return browsertest.FileURL(path) }

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T { return browsertest.Eval[T](t, b, expr) }

type css = chromedp.CSS

func TestSite_InChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	pages := b.Crawl(t, site, func(rel string) { b.Check(t, rel) })
	if pages < 15 {
		t.Errorf("crawled %d pages, want every page of the fixture (>= 15)", pages)
	}

	// Charts over the same steps share one x axis, drawn in the first and
	// shown by <use> in the others: the clones must take the same room,
	// which they do not when they miss the axis's font.
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "churn", "20260301T100000Z-1003.html"))), chromedp.WaitReady(css("svg.chart use")))
	boxes := eval[[]float64](t, b, `[document.querySelector("svg.chart g[id^=xa]"), document.querySelector("svg.chart use")]
		.flatMap(e => { const r = e.getBBox(); return [r.width, r.height]; })`)
	if len(boxes) != 4 || boxes[0] < 200 || boxes[1] < 150 || math.Abs(boxes[0]-boxes[2]) > 0.5 || math.Abs(boxes[1]-boxes[3]) > 0.5 {
		t.Errorf("x axis drawn %v x %v, shown by <use> %v x %v: want the same, and the whole frame", boxes[0], boxes[1], boxes[2], boxes[3])
	}

	// Sorting and filtering change the rows.
	const rowIDs = `Array.from(document.querySelectorAll("#runs tbody tr:not(.hide) td:nth-child(3)"), td => td.textContent)`
	const input = `document.querySelector("#status").dispatchEvent(new Event("change"))`
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "index.html"))), chromedp.WaitReady(css("#runs")))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 5 || ids[0] != "20260301T140000Z-500f" {
		t.Fatalf("runs table at load: %v, want 5 runs newest first", ids)
	}
	b.Do(t, chromedp.Click(css("#runs th:nth-child(3)")))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 5 || ids[0] != "20260301T100000Z-1003" {
		t.Errorf("after sorting by run: %v, want oldest first", ids)
	}
	b.Do(t, chromedp.Click(css("#runs th:nth-child(3)")))
	if ids := eval[[]string](t, b, rowIDs); ids[0] != "20260301T140000Z-500f" {
		t.Errorf("after sorting by run again: %v, want newest first", ids)
	}
	b.Do(t, chromedp.SendKeys(css("#filter"), "forecast"))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 2 {
		t.Errorf("filter 'forecast': %v, want the 2 forecast runs", ids)
	}
	eval[bool](t, b, `(document.querySelector("#filter").value = "", document.querySelector("#status").value = "failed", `+input+`)`)
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 1 || ids[0] != "20260301T140000Z-500f" {
		t.Errorf("status failed: %v, want the one failed run", ids)
	}
	hidden := eval[bool](t, b, `document.querySelector('input[data-col="m1"]').click(), document.querySelector('th[data-col="m1"]').classList.contains("hide")`)
	if !hidden {
		t.Error("unticking a metric column does not hide it")
	}

	// Select two runs and compare them.
	eval[bool](t, b, `(document.querySelector("#status").value = "", `+input+`)`)
	b.Do(t, chromedp.Click(css(`input.sel[value="churn/20260301T100000Z-1003"]`)),
		chromedp.Click(css(`input.sel[value="churn/20260301T120000Z-3009"]`)),
		chromedp.Click(css("#compare")), chromedp.WaitVisible(css("#compare-out table")))
	heads := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out table tr:first-child th a"), a => a.textContent)`)
	if got := strings.Join(heads, " "); len(heads) != 4 || !strings.Contains(got, "20260301T100000Z-1003") || !strings.Contains(got, "20260301T120000Z-3009") {
		t.Errorf("compare headers = %v, want the two selected runs in the params and metrics tables", heads)
	}
	diffRows := eval[int](t, b, `document.querySelectorAll("#compare-out tr.diff").length`)
	sameRows := eval[int](t, b, `document.querySelectorAll("#compare-out tr[data-same]").length`)
	b.Do(t, chromedp.Click(css("#only-diff")))
	shownAfter := eval[int](t, b, `document.querySelectorAll("#compare-out tr[data-same]:not(.hide)").length`)
	if diffRows == 0 || sameRows == 0 || shownAfter != 0 {
		t.Errorf("compare: %d differing rows, %d same rows, %d same rows left after 'only differences'", diffRows, sameRows, shownAfter)
	}
	if n := eval[int](t, b, `document.querySelectorAll("#compare-out svg polyline:not(.pc)").length`); n != 2 {
		t.Errorf("history chart has %d lines, want 2", n)
	}
	// Every point of the overlay decoded from the compact data is a number
	// inside the chart.
	bad := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out svg polyline:not(.pc)"), l => l.getAttribute("points"))
		.flatMap(ps => ps.split(" ")).filter(p => !/^-?[0-9.]+,-?[0-9.]+$/.test(p) || p.split(",").some(v => +v < 0 || +v > 640))`)
	if len(bad) > 0 {
		t.Errorf("overlay points not inside the chart: %v", bad)
	}
	if n := eval[int](t, b, `document.querySelectorAll("#compare-out svg rect").length`); n < 4 {
		t.Errorf("final-metrics bar chart has %d bars, want one per run and metric", n)
	}
	b.Check(t, "runs table and compare")
}

func TestSite_XSSInChromium(t *testing.T) {
	site, _ := buildSite(t, "xss")
	b := newBrowser(t)
	// The charts page carries its data as a script element of type
	// application/json, which never runs: any other inline script would.
	const injected = `document.querySelectorAll("[onerror], iframe, script:not([src]):not([type='application/json']), img[src='x'], a[href^='javascript:' i]").length`
	check := func(rel string) {
		b.Do(t, chromedp.Sleep(50*time.Millisecond))
		if n := eval[int](t, b, injected); n != 0 {
			t.Errorf("%s: %d injected elements", rel, n)
		}
		b.Check(t, rel)
	}
	if pages := b.Crawl(t, site, check); pages < 8 {
		t.Errorf("crawled %d pages of the XSS fixture, want >= 8", pages)
	}
	// The charts page draws every hostile metric and param the reader can
	// pick, from its JSON.
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "charts.html"))), chromedp.WaitReady(css("#chart-parallel figure")))
	for _, sel := range []string{"#chart-metric", "#chart-x"} {
		n := eval[int](t, b, `document.querySelector("`+sel+`").options.length`)
		if n == 0 {
			t.Errorf("charts page: %s offers nothing", sel)
		}
		for i := range n {
			eval[bool](t, b, fmt.Sprintf(`(s => (s.selectedIndex = %d, s.dispatchEvent(new Event("change"))))(document.querySelector("%s"))`, i, sel))
			check(fmt.Sprintf("runs/charts.html, %s option %d", sel, i))
		}
	}
	if n := eval[int](t, b, `document.querySelectorAll("#chart-time circle.pt").length`); n == 0 {
		t.Error("charts page: no dots drawn for the hostile metrics")
	}

	// The compare page renders the hostile runs from their data files.
	b.Do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "index.html"))), chromedp.WaitReady(css("#runs")))
	sels := eval[[]string](t, b, `Array.from(document.querySelectorAll("input.sel"), c => (c.click(), c.value))`)
	if len(sels) != 2 {
		t.Errorf("selected %v, want both runs", sels)
	}
	b.Do(t, chromedp.Click(css("#compare")), chromedp.WaitVisible(css("#compare-out table")))
	check("compare.html")
	text, err := chromedp.Run(b.Context(), chromedp.Text(css("#compare-out")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "<script>alert(1)</script>") {
		t.Errorf("compare page does not show the hostile id as text: %q", text)
	}
}
