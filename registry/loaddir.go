package registry

import (
	"os"
	"sync"
	"time"
)

// LoadDir reads the registry of the working tree at dir: what
// Load(os.DirFS(dir)) reads, with fewer system calls per file where the
// platform allows (on Linux each model folder is opened once and its files
// are opened relative to it). In a checkout, files unchanged since an
// earlier LoadDir are taken from the version index in its git folder
// instead of being read and parsed (see index.go).
func LoadDir(dir string) (*Registry, error) { return new(Loader).LoadDir(dir) }

// LoadDir reads the registry of the working tree at dir; see the package
// function LoadDir.
func (l *Loader) LoadDir(dir string) (*Registry, error) {
	started := time.Now()
	ip := ""
	if canIndex && !l.NoIndex {
		ip = indexPath(dir)
	}
	var idx *versionIndex
	if ip != "" {
		idx = readIndex(ip)
	}
	var mu sync.Mutex
	var readers []*dirReader
	var settled int64 // files changed after this are not indexed
	if ip != "" {
		settled = started.Add(-indexMinAge).UnixNano()
	}
	newReader := func() fileReader {
		d := newDirReader(dir, idx, settled)
		mu.Lock()
		readers = append(readers, d)
		mu.Unlock()
		return d
	}
	r, problems, err := l.loadWith(os.DirFS(dir), newReader)
	if err != nil {
		return nil, err
	}
	if ip != "" {
		misses := map[string]fileStat{}
		for _, d := range readers {
			for p, st := range d.misses {
				misses[p] = st
			}
		}
		writeIndexIfStale(ip, idx, r.files, misses, settled)
	}
	if len(problems) > 0 {
		return r, joinErrors(problems)
	}
	return r, nil
}
