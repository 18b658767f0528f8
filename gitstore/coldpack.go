package gitstore

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// packSet reads trees and blobs straight from the repository's pack files,
// mapped into memory, for the first read of a registry in a new process
// (`mlcd check` on a fresh clone): go-git's storage reads a packed object
// with several system calls, hashes every object it caches and takes the
// repository's lock, which made that read of 10,000 small files take about
// 300 ms. It answers only what it can read with certainty; anything else
// (a loose object, a pack it cannot map, a damaged entry) is a miss, and
// the caller reads the object through go-git, which reports the error.
// It is safe for concurrent use.
type packSet struct {
	dir string // objects/pack

	mu      sync.Mutex
	loaded  bool
	packs   []*packFile // replaced, never changed in place
	mapped  map[string]bool
	modTime time.Time // of dir at the last scan
	// again is set when the last scan may have missed a pack: one could
	// not be mapped (still being written), or the folder changed so
	// recently that a later change may keep the same time stamp (file
	// times move in clock ticks of a few milliseconds).
	again bool
}

// newPackSet reads the packs of the repository whose git folder (the
// bare repository, or a checkout's .git) is gitDir; nil when it has no
// pack folder or the platform cannot map files.
func newPackSet(gitDir string) *packSet {
	if !canMapFiles {
		return nil
	}
	dir := filepath.Join(gitDir, "objects", "pack")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil
	}
	return &packSet{dir: dir, mapped: map[string]bool{}}
}

// read returns the type and content of object h. The content is the
// caller's.
func (s *packSet) read(h plumbing.Hash) (plumbing.ObjectType, []byte, bool) {
	if t, data, found := s.readMapped(h); found || !s.rescan() {
		return t, data, found && data != nil
	}
	t, data, found := s.readMapped(h)
	return t, data, found && data != nil
}

// readMapped looks for h in the mapped packs. found with nil data is an
// object that could not be decoded. A fault reading the mapping (a pack
// cut short under us) is a failed read, not a crash.
func (s *packSet) readMapped(h plumbing.Hash) (t plumbing.ObjectType, data []byte, found bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if e := recover(); e != nil {
			if _, fault := e.(interface{ Addr() uintptr }); !fault {
				panic(e)
			}
			t, data, found = plumbing.InvalidObject, nil, true
		}
	}()
	for _, p := range s.current() {
		if off, ok := p.find(h); ok {
			t, data, err := p.object(off)
			if err != nil {
				return t, nil, true
			}
			return t, data, true
		}
	}
	return plumbing.InvalidObject, nil, false
}

// blob returns the content of blob h.
func (s *packSet) blob(h plumbing.Hash) ([]byte, bool) {
	t, data, ok := s.read(h)
	return data, ok && t == plumbing.BlobObject
}

// tree returns the entries of tree h.
func (s *packSet) tree(h plumbing.Hash) ([]object.TreeEntry, bool) {
	t, data, ok := s.read(h)
	if !ok || t != plumbing.TreeObject {
		return nil, false
	}
	if entries, ok := decodeTree(data); ok {
		return entries, true
	}
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.TreeObject)
	if _, err := o.Write(data); err != nil {
		return nil, false
	}
	var tree object.Tree
	if err := tree.Decode(o); err != nil {
		return nil, false
	}
	return tree.Entries, true
}

// decodeTree reads a tree object's entries, each an octal mode, a space,
// the name, a zero byte and the 20-byte hash, when every mode is a plain
// file's or a folder's: object.Tree's Decode without its hashing of the
// whole tree and its buffered reader, which were most of the cost of
// listing a registry's 200 folders. Anything else is left to Decode.
func decodeTree(data []byte) ([]object.TreeEntry, bool) {
	entries := make([]object.TreeEntry, 0, bytes.Count(data, []byte{0}))
	for len(data) > 0 {
		var mode filemode.FileMode
		switch {
		case bytes.HasPrefix(data, []byte("100644 ")):
			mode, data = filemode.Regular, data[7:]
		case bytes.HasPrefix(data, []byte("40000 ")):
			mode, data = filemode.Dir, data[6:]
		default:
			return nil, false
		}
		nul := bytes.IndexByte(data, 0)
		if nul <= 0 || len(data) < nul+1+20 {
			return nil, false
		}
		e := object.TreeEntry{Name: string(data[:nul]), Mode: mode}
		copy(e.Hash[:], data[nul+1:nul+21])
		entries = append(entries, e)
		data = data[nul+21:]
	}
	return entries, true
}

// current returns the mapped packs, mapping them at the first call.
func (s *packSet) current() []*packFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		s.scan()
	}
	return s.packs
}

// rescan maps the packs added since the last scan (a fetch adds one) and
// reports whether there are new ones. It looks only when the pack folder
// changed or the last scan asked for another.
func (s *packSet) rescan() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(s.dir)
	if err != nil || (fi.ModTime().Equal(s.modTime) && !s.again) {
		return false
	}
	n := len(s.packs)
	s.scan()
	return len(s.packs) > n
}

// scan maps every pack of the folder not mapped yet; callers hold s.mu.
func (s *packSet) scan() {
	s.loaded = true
	fi, err := os.Stat(s.dir)
	if err != nil {
		return
	}
	s.modTime = fi.ModTime()
	s.again = time.Since(s.modTime) < time.Second
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	packs := slices.Clone(s.packs)
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".idx")
		if !ok || !strings.HasPrefix(name, "pack-") || s.mapped[name] {
			continue
		}
		p, err := openPackFile(filepath.Join(s.dir, name))
		if err != nil {
			s.again = true
			continue
		}
		s.mapped[name] = true
		packs = append(packs, p)
	}
	s.packs = packs
}
