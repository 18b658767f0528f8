// Package tempdir makes temporary folders that a killed process does not
// leave behind for ever: each holds a lock its process keeps while it
// lives, and the next process making one with the same prefix removes
// those whose lock is free (their process is gone, whatever its pid is
// now). A run's scratch folder holds task outputs and a served model's
// folder a copy of the model: gigabytes, after a kill -9 or an OOM kill.
package tempdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlcd-dev/mlcd/internal/flock"
)

// lockName is the file, in each folder, whose lock says its process lives.
const lockName = ".mlcd-owner"

// Dir is a temporary folder held by this process.
type Dir struct {
	Path string
	lock *os.File
}

// New removes the folders of dead processes named prefix* in parent
// ("" is os.TempDir()), then makes a new one and holds it.
func New(parent, prefix string) (*Dir, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	Prune(parent, prefix)
	path, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		return nil, err
	}
	// The lock file gets its name only once locked: a Prune running
	// meanwhile must never find it free and remove the new folder.
	f, err := os.OpenFile(filepath.Join(path, lockName+".new"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		var ok bool
		if ok, err = flock.TryLock(f); err == nil && !ok {
			err = errors.New("a new folder's lock is taken")
		}
		if err == nil {
			err = os.Rename(f.Name(), filepath.Join(path, lockName))
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		os.RemoveAll(path)
		return nil, fmt.Errorf("hold %s: %w", path, err)
	}
	return &Dir{Path: path, lock: f}, nil
}

// Remove removes the folder and lets go of it.
func (d *Dir) Remove() error {
	err := os.RemoveAll(d.Path)
	d.lock.Close()
	return err
}

// Prune removes the folders named prefix* in parent whose lock no process
// holds. A folder without the lock file (made by an older mlcd, or by
// something else) is left alone.
func Prune(parent, prefix string) {
	if !flock.Supported {
		return
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		path := filepath.Join(parent, e.Name())
		f, err := os.OpenFile(filepath.Join(path, lockName), os.O_RDWR, 0)
		if err != nil { // no lock file: not ours to judge
			continue
		}
		if ok, err := flock.TryLock(f); err == nil && ok {
			os.RemoveAll(path) // still locked by us: no one else prunes it meanwhile
		}
		f.Close()
	}
}
