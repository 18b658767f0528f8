package registry

import "os"

// LoadDir reads the registry of the working tree at dir:
// Load(os.DirFS(dir)).
//
// It once opened files relative to their folder (openat) and kept an index
// of parsed versions with their stat data in the checkout's git folder.
// Measured on 200 models x 50 versions (2 CPUs, shared): the index made a
// load slower, not faster (154-164 ms against 72-114 ms without it, and
// 366-537 ms for the load that wrote it), and openat saved about 28 ms
// (60 against 88 ms) of a read that `mlcd report` and `mlcd run` do once.
// What pays is the fast reader of the canonical form (fastparse.go).
func LoadDir(dir string) (*Registry, error) { return new(Loader).LoadDir(dir) }

// LoadDir reads the registry of the working tree at dir; see the package
// function LoadDir.
func (l *Loader) LoadDir(dir string) (*Registry, error) { return l.Load(os.DirFS(dir)) }
