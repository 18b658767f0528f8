package gitstore

import (
	"container/heap"
	"context"
	"fmt"
	"path"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// PathLog returns up to n commits of the branch (as last fetched) that
// changed path, newest first: commits whose content at path (or its absence)
// differs from every parent's. A merge that took the file from one side is
// skipped; the commit on that side is listed. It walks the history in
// committer-time order and stops after n.
func (r *Repo) PathLog(ctx context.Context, name string, n int) ([]CommitInfo, error) {
	tip, err := r.tip()
	if err != nil || tip.IsZero() || n <= 0 {
		return nil, err
	}
	name = path.Clean(name)
	var (
		out  []CommitInfo
		seen = map[plumbing.Hash]bool{tip: true}
		q    = &commitQueue{}
	)
	first, err := r.commitObject(tip)
	if err != nil {
		return nil, err
	}
	heap.Push(q, first)
	for q.Len() > 0 && len(out) < n {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		c := heap.Pop(q).(*object.Commit)
		changed, parents, err := r.changedIn(c, name)
		if err != nil {
			return out, fmt.Errorf("log %s: %w", name, err)
		}
		if changed {
			out = append(out, *commitInfo(c))
		}
		for _, p := range parents {
			if !seen[p.Hash] {
				seen[p.Hash] = true
				heap.Push(q, p)
			}
		}
	}
	return out, nil
}

// changedIn reports whether commit c changed path name, and returns c's
// parents.
func (r *Repo) changedIn(c *object.Commit, name string) (bool, []*object.Commit, error) {
	here, err := r.pathHash(c.TreeHash, name)
	if err != nil {
		return false, nil, err
	}
	parents := make([]*object.Commit, 0, len(c.ParentHashes))
	changed := !here.IsZero() || len(c.ParentHashes) > 0
	for _, ph := range c.ParentHashes {
		p, err := r.commitObject(ph)
		if err != nil {
			return false, nil, err
		}
		parents = append(parents, p)
		there, err := r.pathHash(p.TreeHash, name)
		if err != nil {
			return false, nil, err
		}
		if there == here {
			changed = false
		}
	}
	return changed, parents, nil
}

// pathHash returns the object at name in tree root, zero when absent.
func (r *Repo) pathHash(root plumbing.Hash, name string) (plumbing.Hash, error) {
	e, ok, err := r.entryAt(root, name)
	if err != nil || !ok {
		return plumbing.ZeroHash, err
	}
	return e.Hash, nil
}

// commitQueue orders commits newest committer time first.
type commitQueue []*object.Commit

func (q commitQueue) Len() int           { return len(q) }
func (q commitQueue) Less(i, j int) bool { return q[i].Committer.When.After(q[j].Committer.When) }
func (q commitQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)        { *q = append(*q, x.(*object.Commit)) }
func (q *commitQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}
