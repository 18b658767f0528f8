package controller

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The report follows the branch between runs: a merged promotion and a
// refused direct push change the model's page without a run.
func TestController_ReportFollowsPromotionsAndRefusals(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	c := newController(t, bare, func(cfg *Config) { cfg.Interval = 100 * time.Millisecond })
	watch(t, c)
	page := filepath.Join(c.ReportDir(), "models", gatedModel, "index.html")
	read := func() string {
		data, _ := os.ReadFile(page)
		return string(data)
	}
	waitFor(t, func() bool { return read() != "" })
	if strings.Contains(read(), "<td>v2</td><td>Production</td>") {
		t.Fatal("v2 is in Production before its promotion")
	}
	promoteMerge(p, 2)
	waitFor(t, func() bool { return strings.Contains(read(), "<td>v2</td><td>Production</td>") })
	pushed := promoteDirect(p, 1)
	waitFor(t, func() bool {
		return strings.Contains(read(), "<td>refusal</td><td>v1</td><td class=\"mono\">"+pushed[:12])
	})
}
