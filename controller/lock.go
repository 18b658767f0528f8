package controller

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/internal/flock"
)

// LockFile is the file in a state folder whose OS lock says which process
// holds the folder; it holds that process's PID.
const LockFile = "lock"

// ErrStateLocked is what opening a state folder another process holds
// returns (wrapped in a *StateLockedError).
var ErrStateLocked = errors.New("state folder in use")

// StateLockedError says which process holds a state folder.
type StateLockedError struct {
	Dir string
	PID int // 0 when the holder has not written it yet
}

func (e *StateLockedError) Error() string {
	holder := "another mlcd process"
	if e.PID > 0 {
		holder = fmt.Sprintf("another mlcd process (pid %d)", e.PID)
	}
	return fmt.Sprintf("state folder %s is in use by %s: stop that process first, or give this one a state folder of its own (--state)", e.Dir, holder)
}

func (e *StateLockedError) Unwrap() error { return ErrStateLocked }

// stateLock is a held lock on a state folder: an exclusive flock on
// <state>/lock, held until release or the process's end (the kernel drops
// it when the process dies, so a crash leaves no stale lock).
type stateLock struct{ f *os.File }

// lockState takes the lock of the state folder root, or fails at once with
// a *StateLockedError when another process (or another controller in this
// one) holds it. It writes this process's PID into the lock file.
func lockState(root string) (*stateLock, error) {
	path := filepath.Join(root, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock state folder: %w", err)
	}
	held, err := flock.TryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock state folder %s: %w", root, err)
	}
	if !held {
		data, _ := os.ReadFile(path)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		f.Close()
		return nil, &StateLockedError{Dir: root, PID: pid}
	}
	if err := writePID(f); err != nil {
		f.Close() // closing the only descriptor drops the lock
		return nil, fmt.Errorf("lock state folder %s: %w", root, err)
	}
	return &stateLock{f: f}, nil
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// release drops the lock. The PID stays in the file: the next holder
// overwrites it, and without a lock it names no one.
func (l *stateLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
