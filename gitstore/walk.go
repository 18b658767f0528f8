package gitstore

import (
	"context"
	"fmt"
	"path"

	"github.com/go-git/go-git/v5/plumbing"
)

// FirstParents returns the first-parent chain of head back to stop (not
// included), newest first: the commits as the branch itself made them, a
// merge standing for everything it brought in. When stop is "" or not on
// the chain, the walk goes to the root commit. It returns at most max
// commits (max <= 0: no limit); more says whether the chain went on.
func (r *Repo) FirstParents(ctx context.Context, head, stop string, max int) (chain []CommitInfo, more bool, err error) {
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
	for !h.IsZero() && h != end {
		if err := ctx.Err(); err != nil {
			return chain, false, err
		}
		if max > 0 && len(chain) == max {
			return chain, true, nil
		}
		c, err := r.commitObject(h)
		if err != nil {
			return chain, false, fmt.Errorf("first-parent walk from %s: %w", short(head), err)
		}
		chain = append(chain, *commitInfo(c))
		h = plumbing.ZeroHash
		if len(c.ParentHashes) > 0 {
			h = c.ParentHashes[0]
		}
	}
	return chain, false, nil
}

// ChangedFromFirstParent reports whether the file at name differs between
// commit and its first parent: added, removed, or with other content or
// mode. For a root commit it reports whether the file exists.
func (r *Repo) ChangedFromFirstParent(ctx context.Context, commit, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	h, err := parseHash(commit)
	if err != nil {
		return false, err
	}
	c, err := r.commitObject(h)
	if err != nil {
		return false, err
	}
	name = path.Clean(name)
	here, err := r.fileEntry(c.TreeHash, name)
	if err != nil {
		return false, fmt.Errorf("changed %s at %s: %w", name, short(commit), err)
	}
	var there fileID
	if len(c.ParentHashes) > 0 {
		p, err := r.commitObject(c.ParentHashes[0])
		if err != nil {
			return false, err
		}
		if there, err = r.fileEntry(p.TreeHash, name); err != nil {
			return false, fmt.Errorf("changed %s at %s: %w", name, short(c.ParentHashes[0].String()), err)
		}
	}
	return here != there, nil
}

// fileID is what identifies a file's content in a tree; zero when absent.
type fileID struct {
	hash plumbing.Hash
	mode uint32
}

func (r *Repo) fileEntry(root plumbing.Hash, name string) (fileID, error) {
	e, ok, err := r.entryAt(root, name)
	if err != nil || !ok {
		return fileID{}, err
	}
	return fileID{hash: e.Hash, mode: uint32(e.Mode)}, nil
}
