package gitstore

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// applyTree returns the tree that is base with changes applied (path
// relative to this tree -> content, nil = delete), writing only the blobs and
// trees that change. Unchanged subtrees are reused by hash, so the cost
// follows the size of the change and of the folders on its paths, not of
// the repository. The zero hash is an empty tree.
func (r *Repo) applyTree(base plumbing.Hash, changes map[string][]byte, added *newObjects) (plumbing.Hash, error) {
	entries, err := r.treeEntries(base)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	byName := make(map[string]object.TreeEntry, len(entries)+len(changes))
	for _, e := range entries {
		byName[e.Name] = e
	}
	files, dirs := splitChanges(changes)
	for name, data := range files {
		if err := r.applyFile(byName, name, data, added); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	for name, sub := range dirs {
		old := byName[name]
		subBase := plumbing.ZeroHash
		if old.Mode == filemode.Dir {
			subBase = old.Hash
		}
		h, err := r.applyTree(subBase, sub, added)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if h.IsZero() {
			delete(byName, name)
			continue
		}
		byName[name] = object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h}
	}
	if len(byName) == 0 {
		return plumbing.ZeroHash, nil
	}
	return r.storeTree(base, byName, added)
}

// splitChanges separates the files of this folder from the changes in its
// subfolders.
func splitChanges(changes map[string][]byte) (files map[string][]byte, dirs map[string]map[string][]byte) {
	files = map[string][]byte{}
	dirs = map[string]map[string][]byte{}
	for p, data := range changes {
		first, rest, nested := strings.Cut(p, "/")
		if !nested {
			files[first] = data
			continue
		}
		if dirs[first] == nil {
			dirs[first] = map[string][]byte{}
		}
		dirs[first][rest] = data
	}
	return files, dirs
}

// applyFile writes or deletes one file of a folder; an existing file keeps
// its executable bit.
func (r *Repo) applyFile(byName map[string]object.TreeEntry, name string, data []byte, added *newObjects) error {
	old, exists := byName[name]
	if data == nil {
		delete(byName, name)
		return nil
	}
	mode := filemode.Regular
	if exists && old.Mode == filemode.Executable {
		mode = filemode.Executable
	}
	h := plumbing.ComputeHash(plumbing.BlobObject, data)
	if exists && old.Hash == h && old.Mode == mode {
		return nil
	}
	if _, err := r.writeBlob(data); err != nil {
		return err
	}
	*added = append(*added, packObject{plumbing.BlobObject, data})
	byName[name] = object.TreeEntry{Name: name, Mode: mode, Hash: h}
	return nil
}

// storeTree encodes the entries as a tree and stores it unless it equals
// base.
func (r *Repo) storeTree(base plumbing.Hash, byName map[string]object.TreeEntry, added *newObjects) (plumbing.Hash, error) {
	t := &object.Tree{Entries: make([]object.TreeEntry, 0, len(byName))}
	for _, e := range byName {
		t.Entries = append(t.Entries, e)
	}
	sort.Sort(object.TreeEntrySorter(t.Entries))
	obj := &plumbing.MemoryObject{}
	if err := t.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode tree: %w", err)
	}
	if obj.Hash() == base {
		return base, nil
	}
	return r.storeNew(obj, added)
}

// storeEmptyTree stores git's empty tree (a root with every file deleted).
func (r *Repo) storeEmptyTree(added *newObjects) (plumbing.Hash, error) {
	obj := &plumbing.MemoryObject{}
	obj.SetType(plumbing.TreeObject)
	return r.storeNew(obj, added)
}

// storeCommit writes the bot's commit of tree with parent (zero for the
// first commit of the branch).
func (r *Repo) storeCommit(tree, parent plumbing.Hash, msg string, added *newObjects) (plumbing.Hash, error) {
	sig := object.Signature{Name: r.bot.Name, Email: r.bot.Email, When: time.Now().Round(time.Second)}
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: tree}
	if !parent.IsZero() {
		c.ParentHashes = []plumbing.Hash{parent}
	}
	obj := &plumbing.MemoryObject{}
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode commit: %w", err)
	}
	return r.storeNew(obj, added)
}

// storeNew stores an object encoded in memory and adds it to the objects
// to push.
func (r *Repo) storeNew(obj *plumbing.MemoryObject, added *newObjects) (plumbing.Hash, error) {
	rd, err := obj.Reader()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	h, err := r.storeEncoded(obj)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	*added = append(*added, packObject{obj.Type(), data})
	return h, nil
}
