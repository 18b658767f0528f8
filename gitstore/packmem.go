package gitstore

import (
	"bytes"
	"io"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
)

// packMemoryBudget is how many bytes of pack files one repository keeps in
// memory (see memPacks).
const packMemoryBudget = 64 << 20

// memPacks is the folder of a repository's storage, where a pack file
// go-git opens is read into memory when it fits in the budget left: go-git
// seeks and reads the pack for every object, and as system calls these
// were a sixth of reading a 10,000-file registry. Every open file of a
// pack shares one copy, dropped when the last is closed. Pack files never
// change once written, so the copy stays true; a pack past the budget is
// read from disk.
type memPacks struct {
	billy.Filesystem

	mu    sync.Mutex
	left  int64
	packs map[string]*memPack // by name
}

type memPack struct {
	data []byte
	refs int
}

func newMemPacks(fs billy.Filesystem, budget int64) *memPacks {
	return &memPacks{Filesystem: fs, left: budget, packs: map[string]*memPack{}}
}

func (m *memPacks) Open(name string) (billy.File, error) {
	f, err := m.Filesystem.Open(name)
	if err != nil || !strings.HasSuffix(name, ".pack") {
		return f, err
	}
	p := m.share(name)
	if p == nil {
		p = m.load(name, f)
	}
	if p == nil {
		return f, nil
	}
	return &memFile{File: f, Reader: bytes.NewReader(p.data), release: func() { m.release(name) }}, nil
}

// share returns the copy of pack name in memory, if there is one, for one
// more file.
func (m *memPacks) share(name string) *memPack {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.packs[name]
	if p != nil {
		p.refs++
	}
	return p
}

// load reads the pack name from f into memory if it fits in the budget.
func (m *memPacks) load(name string, f billy.File) *memPack {
	fi, err := m.Stat(name)
	if err != nil || !m.take(fi.Size()) {
		return nil
	}
	data := make([]byte, fi.Size())
	_, err = io.ReadFull(f, data)
	if _, serr := f.Seek(0, io.SeekStart); err != nil || serr != nil {
		m.give(fi.Size()) // go-git reads it from disk and meets the error itself
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.packs[name]; p != nil { // another open read it meanwhile
		m.left += fi.Size()
		p.refs++
		return p
	}
	p := &memPack{data: data, refs: 1}
	m.packs[name] = p
	return p
}

func (m *memPacks) release(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.packs[name]; p != nil {
		if p.refs--; p.refs == 0 {
			delete(m.packs, name)
			m.left += int64(len(p.data))
		}
	}
}

func (m *memPacks) take(n int64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n > m.left {
		return false
	}
	m.left -= n
	return true
}

func (m *memPacks) give(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.left += n
}

// memFile is an open pack file read from memory.
type memFile struct {
	billy.File // its name, lock and close
	*bytes.Reader
	once    sync.Once
	release func()
}

func (f *memFile) Read(p []byte) (int, error)                { return f.Reader.Read(p) }
func (f *memFile) ReadAt(p []byte, off int64) (int, error)   { return f.Reader.ReadAt(p, off) }
func (f *memFile) Seek(off int64, whence int) (int64, error) { return f.Reader.Seek(off, whence) }
func (f *memFile) Close() error {
	f.once.Do(f.release)
	return f.File.Close()
}
