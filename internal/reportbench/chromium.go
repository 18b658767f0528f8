package main

import (
	"context"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }

// chromium is a headless Chromium for the load-time figures.
type chromium struct {
	ctx   context.Context
	close func()
}

func newChromium(browser string) (*chromium, error) {
	udd, err := os.MkdirTemp("", "reportbench-chromium-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(udd))
	bctx, bcancel := chromedp.NewContext(actx)
	c := &chromium{ctx: bctx, close: func() { bcancel(); acancel(); cancel(); os.RemoveAll(udd) }}
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// loaded opens page from file:// 5 times and returns the median of the
// navigations' domContentLoadedEventEnd in milliseconds: the page's own
// script has run, and the page answers clicks. The first load warms the
// cache as a user's second visit would.
func (c *chromium) loaded(page string) (float64, error) {
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(page)}).String()
	var times []float64
	for range 5 {
		if err := chromedp.Do(c.ctx, chromedp.Navigate(u)); err != nil {
			return 0, err
		}
		ms, err := chromedp.Run(c.ctx, chromedp.Evaluate[float64](`performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`))
		if err != nil {
			return 0, err
		}
		times = append(times, ms)
	}
	return median(times), nil
}

// took runs the script start, waits until done is true and returns the
// milliseconds in between.
func (c *chromium) took(start, done string) (float64, error) {
	err := chromedp.Do(c.ctx,
		chromedp.Evaluate[chromedp.Void](`window.mlcdT0 = performance.now(), `+start),
		chromedp.Poll[chromedp.Void](done))
	if err != nil {
		return 0, err
	}
	return chromedp.Run(c.ctx, chromedp.Evaluate[float64](`performance.now() - window.mlcdT0`))
}

// browserFigures measures the runs index (loaded, and "all runs" listed)
// and the charts page (loaded, and another metric drawn) of site.
func browserFigures(browser, site string) (runs, all, charts, redraw float64, err error) {
	c, err := newChromium(browser)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer c.close()
	if runs, err = c.loaded(filepath.Join(site, "runs", "index.html")); err != nil {
		return 0, 0, 0, 0, err
	}
	if all, err = c.took(`document.querySelector("#all").click()`, `document.querySelector("#shown").textContent.includes(" of ")`); err != nil {
		return 0, 0, 0, 0, err
	}
	if charts, err = c.loaded(filepath.Join(site, "runs", "charts.html")); err != nil {
		return 0, 0, 0, 0, err
	}
	redraw, err = c.took(`(s => { s.selectedIndex = s.options.length - 1; s.dispatchEvent(new Event("change")); })(document.querySelector("#chart-metric"))`,
		`document.querySelector("#chart-time svg").getAttribute("aria-label").includes("." + document.querySelector("#chart-metric").value + " over time")`)
	return runs, all, charts, redraw, err
}

// drawn opens page#fragment 5 times (from a blank page: a new fragment
// alone would not load it again) and returns the median of the
// milliseconds from each navigation's start until done is true.
func (c *chromium) drawn(page, fragment, done string) (float64, error) {
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(page), Fragment: fragment}).String()
	var times []float64
	for range 5 {
		if err := chromedp.Do(c.ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(u), chromedp.Poll[chromedp.Void](done)); err != nil {
			return 0, err
		}
		ms, err := chromedp.Run(c.ctx, chromedp.Evaluate[float64](`performance.now()`))
		if err != nil {
			return 0, err
		}
		times = append(times, ms)
	}
	return median(times), nil
}

// compareFigure measures the compare page of runs (pipeline/run slugs):
// from navigation to its tables and charts drawn, their data read from
// the runs' data chunks.
func compareFigure(browser, site string, runs ...string) (float64, error) {
	c, err := newChromium(browser)
	if err != nil {
		return 0, err
	}
	defer c.close()
	return c.drawn(filepath.Join(site, "compare.html"), "runs="+strings.Join(runs, ","),
		`document.querySelectorAll("#compare-out table").length >= 2 && document.querySelector("#compare-out svg") !== null`)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
