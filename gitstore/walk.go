package gitstore

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// FirstParentChanges walks the first-parent chain of head back to stop (not
// included) — the commits as the branch itself made them, a merge standing
// for everything it brought in — and returns, newest first, those whose file
// at name differs from their first parent's: added, removed, or with other
// content or mode (for a root commit: whether the file exists). When stop
// is "" or not on the chain, the walk goes to the root commit. It looks at
// most max commits (max <= 0: no limit); more says the chain went on.
//
// Each commit is read once, and a folder whose tree is the same as in the
// parent is not opened, so a long history of commits elsewhere costs a
// commit and a root tree each.
func (r *Repo) FirstParentChanges(ctx context.Context, head, stop, name string, max int) (changed []CommitInfo, more bool, err error) {
	return r.firstParentWalk(ctx, head, stop, []string{name}, max)
}

// ChangeLog is FirstParentChanges for several paths at once, oldest first:
// the first-parent commits after stop up to head whose file or folder at
// any of names differs from their first parent's, in the order the branch
// made them. It walks the whole chain back to stop (to the root when stop
// is "" or not on it).
func (r *Repo) ChangeLog(ctx context.Context, head, stop string, names ...string) ([]CommitInfo, error) {
	changed, _, err := r.firstParentWalk(ctx, head, stop, names, 0)
	slices.Reverse(changed)
	return changed, err
}

func (r *Repo) firstParentWalk(ctx context.Context, head, stop string, names []string, max int) (changed []CommitInfo, more bool, err error) {
	h, err := parseHash(head)
	if err != nil {
		return nil, false, err
	}
	var end plumbing.Hash
	if stop != "" {
		if end, err = parseHash(stop); err != nil {
			return nil, false, err
		}
	}
	for i := range names {
		names[i] = path.Clean(names[i])
	}
	w := &treeWalk{r: r, cache: map[plumbing.Hash][]object.TreeEntry{}}
	c, err := r.commitObject(h)
	for walked := 0; err == nil && c.Hash != end; walked++ {
		if err := ctx.Err(); err != nil {
			return changed, false, err
		}
		if max > 0 && walked == max {
			return changed, true, nil
		}
		var parent *object.Commit
		parentTree := plumbing.ZeroHash
		if len(c.ParentHashes) > 0 {
			if parent, err = r.commitObject(c.ParentHashes[0]); err != nil {
				break
			}
			parentTree = parent.TreeHash
		}
		differs := false
		for _, name := range names {
			d, derr := w.differs(c.TreeHash, parentTree, name)
			if derr != nil {
				return changed, false, fmt.Errorf("changes of %s at %s: %w", name, short(c.Hash.String()), derr)
			}
			differs = differs || d
		}
		if differs {
			changed = append(changed, *commitInfo(c))
		}
		if parent == nil {
			return changed, false, nil
		}
		c = parent
	}
	if err != nil {
		return changed, false, fmt.Errorf("first-parent walk from %s: %w", short(head), err)
	}
	return changed, false, nil
}

// treeWalk compares one path in pairs of trees, keeping the trees it read
// for the next pair (a commit's parent is the next commit of the walk).
type treeWalk struct {
	r     *Repo
	cache map[plumbing.Hash][]object.TreeEntry
}

// differs reports whether the file at name differs between the trees a and
// b (zero: the empty tree). It opens only folders that differ.
func (w *treeWalk) differs(a, b plumbing.Hash, name string) (bool, error) {
	parts := strings.Split(name, "/")
	for i, part := range parts {
		if a == b {
			return false, nil
		}
		ea, err := w.child(a, part)
		if err != nil {
			return false, err
		}
		eb, err := w.child(b, part)
		if err != nil {
			return false, err
		}
		if i == len(parts)-1 {
			return ea.Hash != eb.Hash || ea.Mode != eb.Mode, nil
		}
		a, b = dirHash(ea), dirHash(eb)
	}
	return false, nil
}

// child is the entry called name in tree h; zero when absent.
func (w *treeWalk) child(h plumbing.Hash, name string) (object.TreeEntry, error) {
	if h.IsZero() {
		return object.TreeEntry{}, nil
	}
	entries, ok := w.cache[h]
	if !ok {
		var err error
		if entries, err = w.r.treeEntries(h); err != nil {
			return object.TreeEntry{}, err
		}
		if len(w.cache) >= 64 {
			clear(w.cache)
		}
		w.cache[h] = entries
	}
	for _, e := range entries {
		if e.Name == name {
			return e, nil
		}
	}
	return object.TreeEntry{}, nil
}

func dirHash(e object.TreeEntry) plumbing.Hash {
	if e.Mode == filemode.Dir {
		return e.Hash
	}
	return plumbing.ZeroHash
}
