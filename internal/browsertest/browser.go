// Package browsertest drives a headless Chromium (Debian's chromium) for the
// tests that open mlcd's report as a person would: it records console
// errors, exceptions, failed loads and dialogs so a test can fail on any.
//
// It is for tests only; nothing in mlcd's binary imports it.
package browsertest

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

// ChromiumPath is where Debian's chromium package puts the browser.
const ChromiumPath = "/usr/bin/chromium"

// Browser is a headless Chromium that records what went wrong on the pages
// it opened. It lives as long as its test.
type Browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
	dialogs  []string
}

// New starts Chromium for t, or skips t when there is none (fails under
// CI=true, where it must be installed).
func New(t testing.TB) *Browser {
	t.Helper()
	path, err := findChromium()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is needed for the browser tests (apt-get install chromium): %v", err)
		}
		t.Skipf("no chromium: browser tests skipped (%v)", err)
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
	b := &Browser{ctx: bctx}
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

// findChromium finds Debian's chromium, else a Chromium or Chrome on PATH
// (GitHub's Ubuntu runners have google-chrome).
func findChromium() (string, error) {
	if _, err := os.Stat(ChromiumPath); err == nil {
		return ChromiumPath, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("none of %s, chromium, chromium-browser, google-chrome on PATH", ChromiumPath)
}

// Context is the browser tab's context, for chromedp calls.
func (b *Browser) Context() context.Context { return b.ctx }

func (b *Browser) onEvent(ev any) {
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

// Check fails t with every problem seen since the last Check.
func (b *Browser) Check(t testing.TB, where string) {
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

// Do runs chromedp actions, failing t on an error.
func (b *Browser) Do(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// FileURL is the file:// URL of a local path.
func FileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](t testing.TB, b *Browser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// Crawl opens every page reachable from site/index.html, calls visit with
// each page's path in the site, and checks that every link resolves to a
// file (of the site, or beside it). It returns the number of pages.
func (b *Browser) Crawl(t testing.TB, site string, visit func(rel string)) int {
	t.Helper()
	start := FileURL(filepath.Join(site, "index.html"))
	seen := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		b.Do(t, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
		// An SVG link's href is an object: resolve the attribute instead.
		links := Eval[[]string](t, b, `Array.from(document.querySelectorAll("a[href]"), a => new URL(a.getAttribute("href"), document.baseURI).href)`)
		rel := strings.TrimPrefix(u, FileURL(site)+"/")
		visit(rel)
		for _, l := range links {
			pu, err := url.Parse(l)
			if err == nil && pu.Scheme == "https" && pu.Host == "github.com" {
				continue // a link out to the repository's forge, not followed
			}
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
