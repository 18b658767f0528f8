//go:build unix

package gitstore

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// canMapFiles says whether packSet can read pack files here.
const canMapFiles = true

// mapFile maps the whole of the file at name read-only. The descriptor
// is closed at once: the mapping keeps the file's pages, even when git
// replaces or deletes the file (git writes packs anew, never in place).
func mapFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() == 0 || int64(int(fi.Size())) != fi.Size() {
		return nil, errors.New("empty or too large to map")
	}
	return unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
}

func unmapFile(b []byte) { _ = unix.Munmap(b) }
