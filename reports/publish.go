package reports

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

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// PublishResult says what Publish did.
type PublishResult struct {
	Commit  string // the branch's commit after Publish
	Changed bool   // false when the site was already there as it is
	Pushed  bool   // the branch was pushed to origin
}

// Publish commits the site folder as the whole tree of branch (e.g.
// gh-pages) in the git repository at repo, on top of the branch's current
// commit, without touching the working tree or the checked-out branch.
// When the repository has a remote called origin, the branch is pushed
// there (never forced: a branch that moved on the remote is an error).
// The manifest is left out, and a .nojekyll file is added so GitHub Pages
// serves the files as they are.
func Publish(ctx context.Context, repo, site, branch, message string) (PublishResult, error) {
	var res PublishResult
	r, err := git.PlainOpenWithOptions(repo, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return res, fmt.Errorf("open repository: %w", err)
	}
	tree, err := storeDir(ctx, r.Storer, site)
	if err != nil {
		return res, err
	}
	ref := plumbing.NewBranchReferenceName(branch)
	old, err := r.Reference(ref, true)
	var parents []plumbing.Hash
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		old = nil
	case err != nil:
		return res, fmt.Errorf("read branch %s: %w", branch, err)
	default:
		parent, err := r.CommitObject(old.Hash())
		if err != nil {
			return res, fmt.Errorf("read branch %s: %w", branch, err)
		}
		parents = []plumbing.Hash{parent.Hash}
		res.Commit = parent.Hash.String()
		if parent.TreeHash == tree {
			return res, nil
		}
	}
	sig := object.Signature{Name: "mlcd", Email: "mlcd@users.noreply.github.com", When: time.Now().UTC()}
	c := &object.Commit{Author: sig, Committer: sig, Message: message, TreeHash: tree, ParentHashes: parents}
	hash, err := storeObject(r.Storer, c)
	if err != nil {
		return res, fmt.Errorf("store commit: %w", err)
	}
	if err := r.Storer.CheckAndSetReference(plumbing.NewHashReference(ref, hash), old); err != nil {
		return res, fmt.Errorf("update branch %s: %w", branch, err)
	}
	res.Commit, res.Changed = hash.String(), true
	if _, err := r.Remote("origin"); errors.Is(err, git.ErrRemoteNotFound) {
		return res, nil
	}
	spec := config.RefSpec(ref.String() + ":" + ref.String())
	err = r.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return res, fmt.Errorf("push %s: %w", branch, err)
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

func storeBlob(s storer.EncodedObjectStorer, file string) (plumbing.Hash, error) {
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

// storeDir stores every file under dir as blobs and trees and returns the
// root tree.
func storeDir(ctx context.Context, s storer.EncodedObjectStorer, dir string) (plumbing.Hash, error) {
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
		case rel == ManifestName || strings.Contains(d.Name(), ".tmp-") || !d.Type().IsRegular():
			return nil
		}
		h, err := storeBlob(s, p)
		if err != nil {
			return fmt.Errorf("store %s: %w", rel, err)
		}
		parent := path.Dir(rel)
		trees[parent] = append(trees[parent], object.TreeEntry{Name: path.Base(rel), Mode: filemode.Regular, Hash: h})
		return nil
	})
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store site: %w", err)
	}
	empty, err := storeObject(s, blobOf(nil))
	if err != nil {
		return plumbing.ZeroHash, err
	}
	trees["."] = append(trees["."], object.TreeEntry{Name: ".nojekyll", Mode: filemode.Regular, Hash: empty})
	// Deepest folders first, so that each tree's subtrees are stored.
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
	return plumbing.ZeroHash, errors.New("store site: no root tree")
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

func blobOf(b []byte) rawBlob { return rawBlob(b) }

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
