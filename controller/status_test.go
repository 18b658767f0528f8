package controller

import (
	"strings"
	"testing"
	"time"
)

// Once a run is recorded and nothing else is waiting, the status shows no
// queued run: the run that was taken is not left "queued" until the next
// commit.
func TestController_StatusShowsNoQueuedRunAfterItRan(t *testing.T) {
	t.Parallel()
	bare, p := newRemote(t)
	c := newController(t, bare, func(cfg *Config) { cfg.Interval = 50 * time.Millisecond; cfg.ReportDir = "-" })
	watch(t, c)
	waitFor(t, func() bool { return countRecords(t, bare) == 1 }) // the first pass ran the head
	for i := 1; i <= 3; i++ {
		pullKeeping(p)
		p.Write("src/seed", strings.Repeat("x", i)+"\n")
		head := p.Commit("change the seed")
		p.Push()
		waitFor(t, func() bool {
			s := c.Status()
			r, ok := s.LastRuns["demo"]
			return ok && r.Commit == head && s.Running == nil && countRecords(t, bare) == i+1
		})
		if s := c.Status(); s.Queued != nil {
			t.Fatalf("after the run of %s: queued %+v, want nothing queued", head[:12], s.Queued)
		}
	}
}
