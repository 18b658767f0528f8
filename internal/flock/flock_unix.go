//go:build unix

// Package flock takes the advisory file locks that tell whether another
// process holds a state folder or a temporary folder: a flock belongs to
// the open file and goes with the process that holds it, whatever
// happens to that process.
package flock

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// Supported: this system has flock, so a lock tells a live holder.
const Supported = true

// TryLock takes an exclusive flock on f without waiting; false when
// another open file (in this process or another) holds it.
func TryLock(f *os.File) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, unix.EINTR):
			continue
		default:
			return false, err
		}
	}
}
