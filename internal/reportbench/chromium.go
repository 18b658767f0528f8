package main

import (
	"context"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

func newRand() *rand.Rand { return rand.New(rand.NewPCG(3, 4)) }

// domContentLoaded opens page from file:// in headless Chromium and returns
// the navigation's domContentLoadedEventEnd in milliseconds, and the time
// from ticking "all runs" to the table listing every run's matches.
func domContentLoaded(browser, page string) (float64, float64, error) {
	udd, err := os.MkdirTemp("", "reportbench-chromium-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(udd)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(udd))
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		return 0, 0, err
	}
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(page)}).String()
	// The median of 5 loads, the first one warming the cache as a user's
	// second visit would.
	var best []float64
	for range 5 {
		if err := chromedp.Do(bctx, chromedp.Navigate(u)); err != nil {
			return 0, 0, err
		}
		ms, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`))
		if err != nil {
			return 0, 0, err
		}
		best = append(best, ms)
	}
	err = chromedp.Do(bctx,
		chromedp.Evaluate[chromedp.Void](`window.mlcdT0 = performance.now(), document.querySelector("#all").click()`),
		chromedp.Poll[chromedp.Void](`document.querySelector("#shown").textContent.includes(" of ")`))
	if err != nil {
		return 0, 0, err
	}
	all, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`performance.now() - window.mlcdT0`))
	if err != nil {
		return 0, 0, err
	}
	return median(best), all, nil
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
