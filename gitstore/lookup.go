package gitstore

import (
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// lookupSorted is entryAt with a binary search in each folder: a commit's
// registry has folders of hundreds of models, and every file read walks
// from the root.
func (r *Repo) lookupSorted(root plumbing.Hash, path string) (e object.TreeEntry, ok bool, err error) {
	e = object.TreeEntry{Mode: filemode.Dir, Hash: root}
	if path == "." || path == "" {
		return e, true, nil
	}
	for path != "" {
		var name string
		name, path, _ = strings.Cut(path, "/")
		if e.Mode != filemode.Dir {
			return e, false, nil
		}
		entries, err := r.treeEntries(e.Hash)
		if err != nil {
			return e, false, err
		}
		if e, ok = searchEntry(entries, name); !ok {
			return e, false, nil
		}
	}
	return e, true, nil
}

// searchEntry finds name among tree entries in git's order, where a
// folder sorts as if its name ended in "/": as a file, then as a folder.
// A tree out of order (git fsck refuses them) is searched in full.
func searchEntry(entries []object.TreeEntry, name string) (object.TreeEntry, bool) {
	for _, dir := range []bool{false, true} {
		i := sort.Search(len(entries), func(i int) bool {
			return compareEntry(entries[i], name, dir) >= 0
		})
		if i < len(entries) && entries[i].Name == name && (entries[i].Mode == filemode.Dir) == dir {
			return entries[i], true
		}
	}
	return findEntry(entries, name)
}

// compareEntry compares e with name in git's tree order.
func compareEntry(e object.TreeEntry, name string, dir bool) int {
	n := min(len(e.Name), len(name))
	if c := strings.Compare(e.Name[:n], name[:n]); c != 0 {
		return c
	}
	return int(terminator(e.Name, n, e.Mode == filemode.Dir)) - int(terminator(name, n, dir))
}

// terminator is the byte of s at n, where a name ends in "/" for a folder
// and in nothing (sorting first) for a file.
func terminator(s string, n int, dir bool) int16 {
	switch {
	case n < len(s):
		return int16(s[n])
	case dir:
		return '/'
	}
	return -1
}

// find looks name up from the root of t. It remembers the entries of the
// folder of each file it finds, so that reading the files of a folder one
// by one walks down to it once.
func (t *treeFS) find(name string) (object.TreeEntry, bool, error) {
	dir, base := path.Split(name)
	if dir == "" {
		return t.r.lookupSorted(t.root, name)
	}
	var entries []object.TreeEntry
	if v, ok := t.dirs.Load(dir); ok {
		entries = v.([]object.TreeEntry)
	} else {
		e, ok, err := t.r.lookupSorted(t.root, dir[:len(dir)-1])
		if err != nil || !ok || e.Mode != filemode.Dir {
			return e, false, err
		}
		if entries, err = t.r.treeEntries(e.Hash); err != nil {
			return e, false, err
		}
		t.dirs.Store(dir, entries)
	}
	e, ok := searchEntry(entries, base)
	return e, ok, nil
}
