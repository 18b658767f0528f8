package gitstore

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Snapshots returns read-only views of the trees of commits, like FS, that
// share one memory of every folder and file they read: a folder or a file
// with the same hash in two commits is read from the repository once, and
// a folder is decoded once however many of its files are opened. It is for
// reading the same folder of small files at two commits, as `mlcd check`
// does with the registry at the merge base and at the head; the memory
// lives as long as the views and is not bounded, so read only what fits.
func (r *Repo) Snapshots(ctx context.Context, commits ...string) ([]fs.FS, error) {
	c := &snapshotCache{r: r, trees: map[plumbing.Hash][]object.TreeEntry{}, blobs: map[plumbing.Hash][]byte{}}
	out := make([]fs.FS, len(commits))
	for i, commit := range commits {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		root, err := r.commitTree(commit)
		if err != nil {
			return nil, err
		}
		out[i] = &snapshotFS{tree: &treeFS{r: r, root: root}, c: c}
	}
	return out, nil
}

// snapshotCache remembers decoded folders and file contents by hash.
type snapshotCache struct {
	r     *Repo
	mu    sync.Mutex
	trees map[plumbing.Hash][]object.TreeEntry
	blobs map[plumbing.Hash][]byte
}

func (c *snapshotCache) entries(h plumbing.Hash) ([]object.TreeEntry, error) {
	c.mu.Lock()
	e, ok := c.trees[h]
	c.mu.Unlock()
	if ok {
		return e, nil
	}
	e, err := c.r.treeEntries(h)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.trees[h] = e
	c.mu.Unlock()
	return e, nil
}

func (c *snapshotCache) blob(h plumbing.Hash) ([]byte, error) {
	c.mu.Lock()
	b, ok := c.blobs[h]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := c.r.blobBytes(h)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.blobs[h] = b
	c.mu.Unlock()
	return b, nil
}

// snapshotFS is treeFS reading through a snapshotCache.
type snapshotFS struct {
	tree *treeFS // the commit; its entryInfo values describe our entries
	c    *snapshotCache
}

var (
	_ fs.ReadFileFS = (*snapshotFS)(nil)
	_ fs.ReadDirFS  = (*snapshotFS)(nil)
	_ fs.StatFS     = (*snapshotFS)(nil)
)

func (s *snapshotFS) lookup(op, name string) (object.TreeEntry, error) {
	if !fs.ValidPath(name) {
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	e := object.TreeEntry{Name: ".", Mode: filemode.Dir, Hash: s.tree.root}
	if name == "." {
		return e, nil
	}
	for _, part := range strings.Split(name, "/") {
		if e.Mode != filemode.Dir {
			return e, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		var entries []object.TreeEntry
		if !e.Hash.IsZero() {
			var err error
			if entries, err = s.c.entries(e.Hash); err != nil {
				return e, &fs.PathError{Op: op, Path: name, Err: err}
			}
		}
		var ok bool
		if e, ok = findEntry(entries, part); !ok {
			return e, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
	}
	e.Name = path.Base(name)
	return e, nil
}

func (s *snapshotFS) Open(name string) (fs.File, error) {
	e, err := s.lookup("open", name)
	if err != nil {
		return nil, err
	}
	info := &entryInfo{fs: s.tree, e: e, size: -1}
	if info.IsDir() {
		entries, err := s.readDir("open", name, e)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: info, entries: entries}, nil
	}
	data, err := s.c.blob(e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	info.size = int64(len(data))
	return &blobFile{info: info, Reader: bytes.NewReader(data)}, nil
}

func (s *snapshotFS) ReadFile(name string) ([]byte, error) {
	e, err := s.lookup("readfile", name)
	if err != nil {
		return nil, err
	}
	if (&entryInfo{e: e}).IsDir() {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: errIsDir}
	}
	data, err := s.c.blob(e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: err}
	}
	return bytes.Clone(data), nil // fs.ReadFileFS lets the caller change it
}

func (s *snapshotFS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := s.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	return s.readDir("readdir", name, e)
}

func (s *snapshotFS) Stat(name string) (fs.FileInfo, error) {
	e, err := s.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return &entryInfo{fs: s.tree, e: e, size: -1}, nil
}

func (s *snapshotFS) readDir(op, name string, e object.TreeEntry) ([]fs.DirEntry, error) {
	if e.Mode != filemode.Dir {
		if e.Mode == filemode.Submodule {
			return nil, nil
		}
		return nil, &fs.PathError{Op: op, Path: name, Err: errNotDir}
	}
	if e.Hash.IsZero() {
		return nil, nil
	}
	entries, err := s.c.entries(e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	out := make([]fs.DirEntry, len(entries))
	for i, c := range entries {
		out[i] = &entryInfo{fs: s.tree, e: c, size: -1}
	}
	sortDirEntries(out)
	return out, nil
}
