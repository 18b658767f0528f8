package controller

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestController_WatchRetriesAFailedFetchOnTheNextPoll: a poll sees a new
// commit but the fetch fails (here the remote cannot send the commit's
// object for a while; a full state disk fails the same way). The status
// shows the error, and once the remote recovers the next poll runs the
// commit: it does not wait for another push or a restart.
func TestController_WatchRetriesAFailedFetchOnTheNextPoll(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	c := newController(t, bare, func(cfg *Config) { cfg.Interval = 50 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if r, err := c.Once(ctx); err != nil || r == nil {
		t.Fatalf("first pass: %+v, %v", r, err)
	}

	person.Pull()
	person.Write("src/seed", "two\n")
	commit := person.Commit("new data")
	person.Push()
	object := filepath.Join(bare, "objects", commit[:2], commit[2:])
	hidden := filepath.Join(t.TempDir(), "object")
	if err := os.Rename(object, hidden); err != nil {
		t.Fatalf("hide the pushed commit's object (the push left it packed?): %v", err)
	}

	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	waitFor(t, func() bool {
		st, err := ReadStatus(c.cfg.StateDir)
		if err != nil {
			return false
		}
		for _, e := range st.Errors {
			if strings.Contains(e.Message, "fetch") {
				return true
			}
		}
		return false
	})
	if got := c.Status().LastRuns["demo"].Commit; got == commit {
		t.Fatalf("a run of %.12s while it cannot be fetched", commit)
	}

	if err := os.Rename(hidden, object); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return countRecords(t, bare) == 2 })
	if got := c.Status().LastRuns["demo"].Commit; got != commit {
		t.Errorf("last run is of %.12s, want the commit whose fetch failed, %.12s", got, commit)
	}
}
