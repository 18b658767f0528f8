package registry

import (
	"os"
)

// LoadDir reads the registry of the working tree at dir: what
// Load(os.DirFS(dir)) reads, with fewer system calls per file where the
// platform allows (on Linux each model folder is opened once and its files
// are opened relative to it).
func LoadDir(dir string) (*Registry, error) { return new(Loader).LoadDir(dir) }

// LoadDir reads the registry of the working tree at dir; see the package
// function LoadDir.
func (l *Loader) LoadDir(dir string) (*Registry, error) {
	r, problems, err := l.loadWith(os.DirFS(dir), func() fileReader { return newDirReader(dir) })
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return r, joinErrors(problems)
	}
	return r, nil
}
