package gitstore

import (
	"context"
	"fmt"
	"path"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ReadFile returns the content of path (slash-separated, from the
// repository's root) at commit. An absent path gives an error matching
// fs.ErrNotExist and ErrNotFound.
func (r *Repo) ReadFile(ctx context.Context, commit, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := r.commitTree(commit)
	if err != nil {
		return nil, err
	}
	e, ok, err := r.entryAt(root, path.Clean(name))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !ok || e.Mode == filemode.Dir || e.Mode == filemode.Submodule {
		return nil, notExist(name, commit)
	}
	return r.blobBytes(e.Hash)
}

// Commit describes the commit hash.
func (r *Repo) Commit(ctx context.Context, hash string) (*CommitInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h, err := parseHash(hash)
	if err != nil {
		return nil, err
	}
	c, err := r.commitObject(h)
	if err != nil {
		return nil, err
	}
	return commitInfo(c), nil
}

func commitInfo(c *object.Commit) *CommitInfo {
	info := &CommitInfo{
		Hash:      c.Hash.String(),
		Author:    Signature{Name: c.Author.Name, Email: c.Author.Email, When: c.Author.When},
		Committer: Signature{Name: c.Committer.Name, Email: c.Committer.Email, When: c.Committer.When},
		Message:   c.Message,
	}
	for _, p := range c.ParentHashes {
		info.Parents = append(info.Parents, p.String())
	}
	return info
}

// ChangedPaths lists, sorted, the files that differ between the commits
// from and to: added, modified, deleted, or whose mode changed. from "" means
// every file of to.
func (r *Repo) ChangedPaths(ctx context.Context, from, to string) ([]string, error) {
	toTree, err := r.commitTree(to)
	if err != nil {
		return nil, err
	}
	fromTree := plumbing.ZeroHash
	if from != "" {
		if fromTree, err = r.commitTree(from); err != nil {
			return nil, err
		}
	}
	var out []string
	if err := r.diffTrees(ctx, "", fromTree, toTree, &out); err != nil {
		return nil, fmt.Errorf("changed paths %s..%s: %w", short(from), short(to), err)
	}
	sort.Strings(out)
	return out, nil
}

// diffTrees appends to out the paths under prefix that differ between the
// trees a and b (zero = empty). Equal subtrees are skipped by hash.
func (r *Repo) diffTrees(ctx context.Context, prefix string, a, b plumbing.Hash, out *[]string) error {
	if a == b {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ea, err := r.treeEntries(a)
	if err != nil {
		return err
	}
	eb, err := r.treeEntries(b)
	if err != nil {
		return err
	}
	byName := make(map[string]object.TreeEntry, len(ea))
	for _, e := range ea {
		byName[e.Name] = e
	}
	for _, e := range eb {
		old, ok := byName[e.Name]
		delete(byName, e.Name)
		if ok && old.Hash == e.Hash && old.Mode == e.Mode {
			continue
		}
		if err := r.diffEntry(ctx, path.Join(prefix, e.Name), old, e, out); err != nil {
			return err
		}
	}
	for _, old := range ea {
		if _, gone := byName[old.Name]; gone {
			if err := r.diffEntry(ctx, path.Join(prefix, old.Name), old, object.TreeEntry{}, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// diffEntry compares one name on both sides; either side may be absent
// (zero entry), a file or a tree.
func (r *Repo) diffEntry(ctx context.Context, name string, a, b object.TreeEntry, out *[]string) error {
	dirA, dirB := isDir(a), isDir(b)
	if !a.Hash.IsZero() && !dirA || !b.Hash.IsZero() && !dirB {
		*out = append(*out, name) // a file on either side changed
	}
	var ta, tb plumbing.Hash
	if dirA {
		ta = a.Hash
	}
	if dirB {
		tb = b.Hash
	}
	return r.diffTrees(ctx, name, ta, tb, out)
}

func isDir(e object.TreeEntry) bool { return !e.Hash.IsZero() && e.Mode == filemode.Dir }
