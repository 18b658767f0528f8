package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// TestNew_SecondControllerOnAStateFolderInUseFailsAndTouchesNothing opens a
// controller, keeps a live run's record in its state folder, and opens a
// second controller on the same folder: it must fail at once, naming this
// process as the holder, and must not take the live run for an
// interrupted one. Once the first is closed, the folder opens again.
func TestNew_SecondControllerOnAStateFolderInUseFailsAndTouchesNothing(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	state := t.TempDir()
	cfg := Config{URL: bare, StateDir: state}
	first, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	live := &pipeline.Run{
		ID: "20260101T000000Z-live00", Pipeline: "demo", Status: pipeline.StatusRunning,
		Trigger: pipeline.Trigger{Kind: "push"}, Git: &pipeline.GitInfo{Commit: person.Head(), Branch: "main"},
		Start: time.Now().UTC(),
	}
	if err := first.state.saveRecord(live); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(first.state.record(live.ID))
	if err != nil {
		t.Fatal(err)
	}

	second, err := New(context.Background(), cfg)
	if err == nil {
		second.Close()
		t.Fatal("a second controller opened a state folder in use")
	}
	var locked *StateLockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrStateLocked) {
		t.Fatalf("error = %v, want a *StateLockedError", err)
	}
	msg := err.Error()
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(msg, want) || !strings.Contains(msg, state) || !strings.Contains(msg, "--state") {
		t.Errorf("error = %q, want the folder, the holder (%s) and what to do", msg, want)
	}
	after, err := os.ReadFile(first.state.record(live.ID))
	if err != nil || string(after) != string(before) {
		t.Errorf("the live run's kept record changed under the first controller: %v\n%s", err, after)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := openAfterClose(cfg)
	if err != nil {
		t.Fatalf("state folder after Close: %v", err)
	}
	defer third.Close()
	pid, err := os.ReadFile(filepath.Join(state, LockFile))
	if err != nil || strings.TrimSpace(string(pid)) != fmt.Sprint(os.Getpid()) {
		t.Errorf("lock file holds %q (%v), want this process's pid", pid, err)
	}
}
