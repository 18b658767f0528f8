package gitstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DirLog says which history DirChanges reads.
type DirLog struct {
	// Rev, when set, is the commit to start from instead of HEAD, and the
	// repository is opened as it is (a bare clone whose HEAD names no
	// branch of its own); when empty, the repository is looked for at or
	// above the folder.
	Rev  string
	Dir  string // the folder whose files are compared, e.g. models
	Max  int    // the most commits read
	Stop string // the commit to stop at (exclusive); "" for none
}

// DirCommitChanges is one commit's changes to the files under a folder
// against its first parent.
type DirCommitChanges struct {
	Hash    string
	Author  string
	When    time.Time // the author's time
	Message string
	Changes []FileChange
}

// FileChange is a file under the folder that a commit added, removed or
// changed.
type FileChange struct {
	Name   string // relative to the folder, slash-separated
	change *object.Change
}

// Contents reads both sides of the change; a side where the file does
// not exist is nil (an empty file is an empty, non-nil slice).
func (c FileChange) Contents() (before, after []byte, err error) {
	from, to, err := c.change.Files()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", c.Name, err)
	}
	read := func(f *object.File) ([]byte, error) {
		if f == nil {
			return nil, nil
		}
		s, err := f.Contents()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", c.Name, err)
		}
		return append([]byte{}, s...), nil
	}
	if before, err = read(from); err != nil {
		return nil, nil, err
	}
	if after, err = read(to); err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// DirChanges walks at most l.Max commits of the first-parent history of
// HEAD (or l.Rev) in the git repository at repo, newest first, and calls
// fn with each commit that changed a file under l.Dir. It returns the
// commit it started from: "" with no error when repo is not in a git
// repository or has no commit yet.
func DirChanges(ctx context.Context, repo string, l DirLog, fn func(DirCommitChanges) error) (string, error) {
	r, err := git.PlainOpenWithOptions(repo, &git.PlainOpenOptions{DetectDotGit: l.Rev == ""})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var head plumbing.Hash
	if l.Rev != "" {
		head = plumbing.NewHash(l.Rev)
	} else if ref, err := r.Head(); errors.Is(err, plumbing.ErrReferenceNotFound) {
		return "", nil // no commit yet
	} else if err != nil {
		return "", err
	} else {
		head = ref.Hash()
	}
	c, err := r.CommitObject(head)
	for n := 0; err == nil && n < l.Max && c.Hash.String() != l.Stop; n++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		var parent *object.Commit
		if c.NumParents() > 0 {
			if parent, err = c.Parent(0); err != nil {
				return "", err
			}
		}
		if err := dirChanges(c, parent, l.Dir, fn); err != nil {
			return "", err
		}
		if parent == nil {
			break
		}
		c = parent
	}
	if err != nil {
		return "", err
	}
	return head.String(), nil
}

// dirChanges calls fn with the changes that c made under dir against its
// first parent (nil for a root commit), if any.
func dirChanges(c, parent *object.Commit, dir string, fn func(DirCommitChanges) error) error {
	now, err := subtree(c, dir)
	if err != nil {
		return err
	}
	var before *object.Tree
	if parent != nil {
		if before, err = subtree(parent, dir); err != nil {
			return err
		}
	}
	if now == nil || (before != nil && before.Hash == now.Hash) {
		return nil
	}
	changes, err := object.DiffTree(before, now)
	if err != nil {
		return fmt.Errorf("diff %s: %w", c.Hash, err)
	}
	out := DirCommitChanges{Hash: c.Hash.String(), Author: c.Author.Name, When: c.Author.When, Message: c.Message}
	for _, ch := range changes {
		name := ch.To.Name
		if name == "" {
			name = ch.From.Name
		}
		out.Changes = append(out.Changes, FileChange{Name: name, change: ch})
	}
	return fn(out)
}

// subtree is the tree of dir in c; nil when c has no such folder.
func subtree(c *object.Commit, dir string) (*object.Tree, error) {
	root, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("tree of %s: %w", c.Hash, err)
	}
	t, err := root.Tree(dir)
	if errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s of %s: %w", dir, c.Hash, err)
	}
	return t, nil
}

// OnFirstParentLine reports whether stop is on the first-parent line of
// head within max commits, in the git repository at or above repo.
func OnFirstParentLine(ctx context.Context, repo, head, stop string, max int) bool {
	r, err := git.PlainOpenWithOptions(repo, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return false
	}
	c, err := r.CommitObject(plumbing.NewHash(head))
	for n := 0; err == nil && n <= max && ctx.Err() == nil; n++ {
		if c.Hash.String() == stop {
			return true
		}
		if c.NumParents() == 0 {
			return false
		}
		c, err = c.Parent(0)
	}
	return false
}

// OriginURL is the URL of the remote origin of the git repository at or
// above dir (at dir itself when bare): "" when there is none, or when dir
// is not in a git repository.
func OriginURL(dir string, bare bool) (string, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: !bare})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("open repository: %w", err)
	}
	return originURL(r), nil
}
