package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// DirCommit says what CommitDir commits.
type DirCommit struct {
	Branch  string // the branch to commit to, e.g. gh-pages
	Message string // the commit message
	// Skip, when set, leaves out the regular file at rel (slash-separated,
	// relative to the folder) whose entry is d.
	Skip func(rel string, d fs.DirEntry) bool
	// Empty names empty files added at the root of the tree.
	Empty []string
}

// DirCommitResult says what CommitDir did.
type DirCommitResult struct {
	Commit  string // the branch's commit after CommitDir
	Changed bool   // false when the folder was already there as it is
	Pushed  bool   // the branch was pushed to origin
}

// CommitDir commits the regular files under dir as the whole tree of
// c.Branch in the git repository at or above repo, on top of the branch's
// current commit, without touching the working tree or the checked-out
// branch. When the tree is the branch's already, nothing is committed.
// When the repository has a remote called origin, the branch is pushed
// there (never forced: a branch that moved on the remote is an error).
func CommitDir(ctx context.Context, repo, dir string, c DirCommit) (DirCommitResult, error) {
	var res DirCommitResult
	r, err := git.PlainOpenWithOptions(repo, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return res, fmt.Errorf("open repository: %w", err)
	}
	tree, err := storeDir(ctx, r.Storer, dir, c)
	if err != nil {
		return res, err
	}
	ref := plumbing.NewBranchReferenceName(c.Branch)
	old, err := r.Reference(ref, true)
	var parents []plumbing.Hash
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		old = nil
	case err != nil:
		return res, fmt.Errorf("read branch %s: %w", c.Branch, err)
	default:
		parent, err := r.CommitObject(old.Hash())
		if err != nil {
			return res, fmt.Errorf("read branch %s: %w", c.Branch, err)
		}
		parents = []plumbing.Hash{parent.Hash}
		res.Commit = parent.Hash.String()
		if parent.TreeHash == tree {
			return res, nil
		}
	}
	sig := object.Signature{Name: "mlcd", Email: "mlcd@users.noreply.github.com", When: time.Now().UTC()}
	commit := &object.Commit{Author: sig, Committer: sig, Message: c.Message, TreeHash: tree, ParentHashes: parents}
	hash, err := storeObject(r.Storer, commit)
	if err != nil {
		return res, fmt.Errorf("store commit: %w", err)
	}
	if err := r.Storer.CheckAndSetReference(plumbing.NewHashReference(ref, hash), old); err != nil {
		return res, fmt.Errorf("update branch %s: %w", c.Branch, err)
	}
	res.Commit, res.Changed = hash.String(), true
	if _, err := r.Remote("origin"); errors.Is(err, git.ErrRemoteNotFound) {
		return res, nil
	}
	spec := config.RefSpec(ref.String() + ":" + ref.String())
	err = r.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return res, fmt.Errorf("push %s: %w", c.Branch, err)
	}
	res.Pushed = true
	return res, nil
}

type encoder interface {
	Encode(plumbing.EncodedObject) error
}

func storeObject(s storer.EncodedObjectStorer, o encoder) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

func storeFileBlob(s storer.EncodedObjectStorer, file string) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	f, err := os.Open(file)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

// storeDir stores every file under dir that c keeps as blobs and trees,
// adds c's empty files at the root, and returns the root tree.
func storeDir(ctx context.Context, s storer.EncodedObjectStorer, dir string, c DirCommit) (plumbing.Hash, error) {
	trees := map[string][]object.TreeEntry{".": nil}
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			if rel != "." {
				dirs = append(dirs, rel)
				trees[rel] = nil
			}
			return nil
		case !d.Type().IsRegular() || (c.Skip != nil && c.Skip(rel, d)):
			return nil
		}
		h, err := storeFileBlob(s, p)
		if err != nil {
			return fmt.Errorf("store %s: %w", rel, err)
		}
		parent := path.Dir(rel)
		trees[parent] = append(trees[parent], object.TreeEntry{Name: path.Base(rel), Mode: filemode.Regular, Hash: h})
		return nil
	})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store folder: %w", err)
	}
	if len(c.Empty) > 0 {
		empty, err := storeObject(s, rawBlob(nil))
		if err != nil {
			return plumbing.ZeroHash, err
		}
		for _, name := range c.Empty {
			trees["."] = append(trees["."], object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: empty})
		}
	}
	return storeTrees(s, trees, dirs)
}

// storeTrees stores the trees of dirs and the root, deepest folders first
// so that each tree's subtrees are stored, and returns the root.
func storeTrees(s storer.EncodedObjectStorer, trees map[string][]object.TreeEntry, dirs []string) (plumbing.Hash, error) {
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	for _, d := range append(dirs, ".") {
		entries := trees[d]
		if len(entries) == 0 && d != "." {
			continue // git has no empty folders
		}
		sort.Slice(entries, func(i, j int) bool { return treeKey(entries[i]) < treeKey(entries[j]) })
		h, err := storeObject(s, &object.Tree{Entries: entries})
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("store tree %s: %w", d, err)
		}
		if d == "." {
			return h, nil
		}
		parent := path.Dir(d)
		trees[parent] = append(trees[parent], object.TreeEntry{Name: path.Base(d), Mode: filemode.Dir, Hash: h})
	}
	return plumbing.ZeroHash, errors.New("store folder: no root tree")
}

// treeKey orders tree entries as git does: a folder sorts as if its name
// ended with "/".
func treeKey(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

type rawBlob []byte

func (b rawBlob) Encode(o plumbing.EncodedObject) error {
	o.SetType(plumbing.BlobObject)
	w, err := o.Writer()
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	return w.Close()
}
