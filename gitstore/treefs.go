package gitstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"sort"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// FS returns a read-only view of commit's tree. It implements fs.FS,
// fs.ReadFileFS, fs.ReadDirFS and fs.StatFS. Symlinks are files whose
// content is the link target (mode fs.ModeSymlink); submodules are empty
// directories. Files have a zero modification time.
func (r *Repo) FS(ctx context.Context, commit string) (fs.FS, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := r.commitTree(commit)
	if err != nil {
		return nil, err
	}
	return &treeFS{r: r, root: root}, nil
}

// emptyFS is the tree of a branch that does not exist yet.
func (r *Repo) emptyFS() fs.FS { return &treeFS{r: r} }

type treeFS struct {
	r    *Repo
	root plumbing.Hash
	dirs sync.Map // folder path with a trailing "/" -> []object.TreeEntry; see find
}

var (
	_ fs.ReadFileFS = (*treeFS)(nil)
	_ fs.ReadDirFS  = (*treeFS)(nil)
	_ fs.StatFS     = (*treeFS)(nil)
)

// lookup finds name; a missing name gives a *fs.PathError for op.
func (t *treeFS) lookup(op, name string) (object.TreeEntry, error) {
	if !fs.ValidPath(name) {
		return object.TreeEntry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	e, ok, err := t.find(name)
	if err != nil {
		return e, &fs.PathError{Op: op, Path: name, Err: err}
	}
	if !ok {
		return e, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	e.Name = path.Base(name)
	return e, nil
}

func (t *treeFS) Open(name string) (fs.File, error) {
	e, err := t.lookup("open", name)
	if err != nil {
		return nil, err
	}
	info := &entryInfo{fs: t, e: e}
	if info.IsDir() {
		entries, err := t.readDir("open", name, e)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: info, entries: entries}, nil
	}
	data, err := t.r.blobBytes(e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	info.size = int64(len(data))
	return &blobFile{info: info, Reader: bytes.NewReader(data)}, nil
}

func (t *treeFS) ReadFile(name string) ([]byte, error) {
	e, err := t.lookup("readfile", name)
	if err != nil {
		return nil, err
	}
	if (&entryInfo{e: e}).IsDir() {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: errIsDir}
	}
	data, err := t.r.blobBytes(e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: err}
	}
	return data, nil
}

func (t *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := t.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	return t.readDir("readdir", name, e)
}

func (t *treeFS) Stat(name string) (fs.FileInfo, error) {
	e, err := t.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return &entryInfo{fs: t, e: e, size: -1}, nil
}

func (t *treeFS) readDir(op, name string, e object.TreeEntry) ([]fs.DirEntry, error) {
	if e.Mode != filemode.Dir {
		if e.Mode == filemode.Submodule {
			return nil, nil
		}
		return nil, &fs.PathError{Op: op, Path: name, Err: errNotDir}
	}
	entries, err := t.r.treeEntries(e.Hash)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	out := make([]fs.DirEntry, len(entries))
	for i, c := range entries {
		out[i] = &entryInfo{fs: t, e: c, size: -1}
	}
	// git sorts directories as if named "dir/"; io/fs wants plain names.
	sortDirEntries(out)
	return out, nil
}

// entryInfo is both the fs.FileInfo and the fs.DirEntry of a tree entry.
type entryInfo struct {
	fs   *treeFS
	e    object.TreeEntry
	size int64 // -1 until loaded
}

func (i *entryInfo) Name() string {
	if i.e.Name == "" || i.e.Name == "." {
		return "."
	}
	return i.e.Name
}

func (i *entryInfo) IsDir() bool {
	return i.e.Mode == filemode.Dir || i.e.Mode == filemode.Submodule
}

func (i *entryInfo) Type() fs.FileMode { return i.Mode().Type() }

func (i *entryInfo) Mode() fs.FileMode {
	switch i.e.Mode {
	case filemode.Dir, filemode.Submodule:
		return fs.ModeDir | 0o755
	case filemode.Executable:
		return 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	}
	return 0o644
}

func (i *entryInfo) Size() int64 {
	if i.IsDir() {
		return 0
	}
	if i.size >= 0 {
		return i.size
	}
	n, _ := i.fs.r.blobSize(i.e.Hash)
	return n
}

func (i *entryInfo) ModTime() time.Time         { return time.Time{} }
func (i *entryInfo) Sys() any                   { return nil }
func (i *entryInfo) Info() (fs.FileInfo, error) { return i, nil }
func (i *entryInfo) String() string             { return fs.FormatDirEntry(i) }

type blobFile struct {
	info *entryInfo
	*bytes.Reader
}

func (f *blobFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *blobFile) Close() error               { return nil }

type dirFile struct {
	info    *entryInfo
	entries []fs.DirEntry
	off     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Close() error               { return nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errIsDir}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}

var (
	errIsDir  = errors.New("is a directory")
	errNotDir = errors.New("not a directory")
)

func sortDirEntries(entries []fs.DirEntry) {
	sort.Slice(entries, func(a, b int) bool { return entries[a].Name() < entries[b].Name() })
}
