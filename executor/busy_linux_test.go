package executor

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// A program still open for writing (here by the test; in a run, by a
// child forked while a checkout wrote it) cannot be exec'd: ETXTBSY.
// startBusy starts it again once the file is closed: the test closes it
// when startBusy builds its second command, after the first failed.
//
// Not parallel: a child another test forks at that moment holds a copy of
// the descriptor until it execs, which keeps the program busy a little
// longer (that is the very race startBusy exists for). Even alone, the
// test asks only that the first start was busy and a later one started.
func TestStartBusy_StartsAgainOnceTheProgramIsClosed(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "tool")
	f, err := os.OpenFile(prog, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("#!/bin/sh\nexit 0\n"); err != nil {
		t.Fatal(err)
	}
	builds := 0
	var first error
	cmd, err := startBusy(context.Background(), func() (*exec.Cmd, error) {
		builds++
		if builds == 2 {
			f.Close()
		}
		cmd := exec.Command(prog)
		err := cmd.Start()
		if builds == 1 {
			first = err
		}
		return cmd, err
	})
	if err != nil {
		t.Fatalf("startBusy = %v after %d starts, want the program started once it was closed", err, builds)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(first, syscall.ETXTBSY) || builds < 2 {
		t.Errorf("first start = %v after %d starts, want ETXTBSY and a later start that worked", first, builds)
	}
}

// A program that stays busy is an error once busyLimit has passed, and
// another start error is returned at once.
func TestStartBusy_GivesUp(t *testing.T) {
	t.Parallel()
	prog := filepath.Join(t.TempDir(), "tool")
	f, err := os.OpenFile(prog, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	builds := 0
	_, err = startBusy(ctx, func() (*exec.Cmd, error) {
		builds++
		if builds == 3 {
			cancel() // do not wait out busyLimit
		}
		cmd := exec.Command(prog)
		return cmd, cmd.Start()
	})
	if !errors.Is(err, syscall.ETXTBSY) {
		t.Errorf("startBusy of a program kept open = %v, want ETXTBSY", err)
	}
	builds = 0
	_, err = startBusy(context.Background(), func() (*exec.Cmd, error) {
		builds++
		cmd := exec.Command(filepath.Join(t.TempDir(), "missing"))
		return cmd, cmd.Start()
	})
	if err == nil || errors.Is(err, syscall.ETXTBSY) || builds != 1 {
		t.Errorf("startBusy of a missing program = %v after %d starts, want its error at once", err, builds)
	}
}
