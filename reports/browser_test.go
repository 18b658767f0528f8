package reports

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// browser is a headless Debian Chromium that records what went wrong on
// the pages it opened.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
	dialogs  []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is needed for the browser tests (apt-get install chromium): %v", err)
		} else {
			t.Skipf("no chromium at %s: browser tests skipped", chromiumPath)
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	b := &browser{ctx: bctx}
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(bctx, b.onEvent); err != nil {
		t.Fatalf("listen to chromium: %v", err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable log events: %v", err)
	}
	return b
}

func (b *browser) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			b.problems = append(b.problems, fmt.Sprintf("console error: %v", argsText(e.Args)))
		}
	case *runtime.EventExceptionThrown:
		b.problems = append(b.problems, fmt.Sprintf("exception: %s %s:%d", e.ExceptionDetails.Text, e.ExceptionDetails.URL, e.ExceptionDetails.LineNumber))
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			b.problems = append(b.problems, fmt.Sprintf("log error: %s %s", e.Entry.Text, e.Entry.URL))
		}
	case *network.EventLoadingFailed:
		b.problems = append(b.problems, fmt.Sprintf("load failed: %s %s", e.Type, e.ErrorText))
	case *cdppage.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, e.Message)
		go chromedp.Call(b.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false}) //nolint:errcheck // best effort: unblock the page
	}
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, string(a.Value)+a.Description)
	}
	return strings.Join(parts, " ")
}

// check fails the test with every problem seen so far.
func (b *browser) check(t *testing.T, where string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("%s: %s", where, p)
	}
	for _, d := range b.dialogs {
		t.Errorf("%s: a dialog opened: %q", where, d)
	}
	b.problems, b.dialogs = nil, nil
}

func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// do runs steps, failing the test on an error.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

type css = chromedp.CSS

// crawl opens every page reachable from the site's index.html and checks
// that every link into the site or the store resolves to a file.
func (b *browser) crawl(t *testing.T, site string, visit func(rel string)) int {
	t.Helper()
	start := fileURL(filepath.Join(site, "index.html"))
	seen := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		b.do(t, chromedp.Navigate(u), chromedp.WaitReady(css("body")))
		links := eval[[]string](t, b, `Array.from(document.querySelectorAll("a[href]"), a => a.href)`)
		rel := strings.TrimPrefix(u, fileURL(site)+"/")
		visit(rel)
		for _, l := range links {
			pu, err := url.Parse(l)
			if err != nil || pu.Scheme != "file" {
				t.Errorf("%s: link %q is not a file link", rel, l)
				continue
			}
			if _, err := os.Stat(pu.Path); err != nil {
				t.Errorf("%s: broken link %s", rel, l)
				continue
			}
			pu.Fragment = ""
			next := pu.String()
			if strings.HasSuffix(pu.Path, ".html") && strings.HasPrefix(pu.Path, site) && !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return len(seen)
}

func TestSite_InChromium(t *testing.T) {
	site, _ := buildSite(t, "small")
	b := newBrowser(t)
	pages := b.crawl(t, site, func(rel string) { b.check(t, rel) })
	if pages < 15 {
		t.Errorf("crawled %d pages, want every page of the fixture (>= 15)", pages)
	}

	// Sorting and filtering change the rows.
	const rowIDs = `Array.from(document.querySelectorAll("#runs tbody tr:not(.hide) td:nth-child(3)"), td => td.textContent)`
	const input = `document.querySelector("#status").dispatchEvent(new Event("change"))`
	b.do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "index.html"))), chromedp.WaitReady(css("#runs")))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 5 || ids[0] != "20260301T140000Z-500f" {
		t.Fatalf("runs table at load: %v, want 5 runs newest first", ids)
	}
	b.do(t, chromedp.Click(css("#runs th:nth-child(3)")))
	if ids := eval[[]string](t, b, rowIDs); len(ids) != 5 || ids[0] != "20260301T100000Z-1003" {
		t.Errorf("after sorting by run: %v, want oldest first", ids)
	}
	b.do(t, chromedp.Click(css("#runs th:nth-child(3)")))
	if ids := eval[[]string](t, b, rowIDs); ids[0] != "20260301T140000Z-500f" {
		t.Errorf("after sorting by run again: %v, want newest first", ids)
	}
	b.do(t, chromedp.SendKeys(css("#filter"), "forecast"))
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
	b.do(t, chromedp.Click(css(`input.sel[value="churn/20260301T100000Z-1003"]`)),
		chromedp.Click(css(`input.sel[value="churn/20260301T120000Z-3009"]`)),
		chromedp.Click(css("#compare")), chromedp.WaitVisible(css("#compare-out table")))
	heads := eval[[]string](t, b, `Array.from(document.querySelectorAll("#compare-out table tr:first-child th a"), a => a.textContent)`)
	if got := strings.Join(heads, " "); len(heads) != 4 || !strings.Contains(got, "20260301T100000Z-1003") || !strings.Contains(got, "20260301T120000Z-3009") {
		t.Errorf("compare headers = %v, want the two selected runs in the params and metrics tables", heads)
	}
	diffRows := eval[int](t, b, `document.querySelectorAll("#compare-out tr.diff").length`)
	sameRows := eval[int](t, b, `document.querySelectorAll("#compare-out tr[data-same]").length`)
	b.do(t, chromedp.Click(css("#only-diff")))
	shownAfter := eval[int](t, b, `document.querySelectorAll("#compare-out tr[data-same]:not(.hide)").length`)
	if diffRows == 0 || sameRows == 0 || shownAfter != 0 {
		t.Errorf("compare: %d differing rows, %d same rows, %d same rows left after 'only differences'", diffRows, sameRows, shownAfter)
	}
	if n := eval[int](t, b, `document.querySelectorAll("#compare-out svg polyline").length`); n != 2 {
		t.Errorf("history chart has %d lines, want 2", n)
	}
	if n := eval[int](t, b, `document.querySelectorAll("#compare-out svg rect").length`); n < 4 {
		t.Errorf("final-metrics bar chart has %d bars, want one per run and metric", n)
	}
	b.check(t, "runs table and compare")
}

func TestSite_XSSInChromium(t *testing.T) {
	site, _ := buildSite(t, "xss")
	b := newBrowser(t)
	const injected = `document.querySelectorAll("[onerror], iframe, script:not([src]), img[src='x'], a[href^='javascript:' i]").length`
	check := func(rel string) {
		b.do(t, chromedp.Sleep(50*time.Millisecond))
		if n := eval[int](t, b, injected); n != 0 {
			t.Errorf("%s: %d injected elements", rel, n)
		}
		b.check(t, rel)
	}
	if pages := b.crawl(t, site, check); pages < 8 {
		t.Errorf("crawled %d pages of the XSS fixture, want >= 8", pages)
	}
	// The compare page renders the hostile runs from their data files.
	b.do(t, chromedp.Navigate(fileURL(filepath.Join(site, "runs", "index.html"))), chromedp.WaitReady(css("#runs")))
	sels := eval[[]string](t, b, `Array.from(document.querySelectorAll("input.sel"), c => (c.click(), c.value))`)
	if len(sels) != 2 {
		t.Errorf("selected %v, want both runs", sels)
	}
	b.do(t, chromedp.Click(css("#compare")), chromedp.WaitVisible(css("#compare-out table")))
	check("compare.html")
	text, err := chromedp.Run(b.ctx, chromedp.Text(css("#compare-out")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "<script>alert(1)</script>") {
		t.Errorf("compare page does not show the hostile id as text: %q", text)
	}
}
