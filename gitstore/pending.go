package gitstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// keepPending stores the last built commit (if any) on a local branch
// under refs/heads/mlcd/pending/ and returns err as a *PublishError.
func (r *Repo) keepPending(last *attempt, err error) error {
	if last == nil || last.commit.IsZero() || last.commit == last.base {
		return &PublishError{Err: err}
	}
	name := plumbing.ReferenceName(pendingPrefix + last.commit.String())
	r.st.Lock()
	serr := r.storer().SetReference(plumbing.NewHashReference(name, last.commit))
	r.st.Unlock()
	if serr != nil {
		return &PublishError{Commit: last.commit.String(), Err: errors.Join(err, fmt.Errorf("keep commit: %w", serr))}
	}
	r.log.Warn("publish failed; commit kept", "commit", last.commit.String(), "ref", name.String(), "err", err)
	return &PublishError{Commit: last.commit.String(), Pending: name.String(), Err: err}
}

// Pending lists the bot's commits that failed Publishes kept, oldest first.
// Each one's parent is the tip it was built on; PendingFiles gives what it
// wrote. A controller recovers one by publishing those files again (its
// build deciding what to do about a person's change) and then calling
// DropPending; a person can push it to a branch of their own with
// `git push <remote> refs/heads/mlcd/pending/<hash>:refs/heads/<name>`
// from the local clone.
func (r *Repo) Pending(ctx context.Context) ([]CommitInfo, error) {
	var hashes []plumbing.Hash
	r.st.Lock()
	iter, err := r.storer().IterReferences()
	if err == nil {
		err = iter.ForEach(func(ref *plumbing.Reference) error {
			if strings.HasPrefix(ref.Name().String(), pendingPrefix) {
				hashes = append(hashes, ref.Hash())
			}
			return nil
		})
	}
	r.st.Unlock()
	if err != nil {
		return nil, fmt.Errorf("list pending commits: %w", err)
	}
	out := make([]CommitInfo, 0, len(hashes))
	for _, h := range hashes {
		c, err := r.Commit(ctx, h.String())
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Committer.When.Before(out[j].Committer.When) })
	return out, nil
}

// PendingFiles returns what the pending commit wrote relative to its
// parent: path -> content, nil for a deleted file.
func (r *Repo) PendingFiles(ctx context.Context, commit string) (map[string][]byte, error) {
	info, err := r.Commit(ctx, commit)
	if err != nil {
		return nil, err
	}
	parent := ""
	if len(info.Parents) > 0 {
		parent = info.Parents[0]
	}
	paths, err := r.ChangedPaths(ctx, parent, commit)
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(paths))
	for _, p := range paths {
		data, err := r.ReadFile(ctx, commit, p)
		switch {
		case errors.Is(err, ErrNotFound):
			files[p] = nil
		case err != nil:
			return nil, err
		default:
			files[p] = data
		}
	}
	return files, nil
}

// DropPending forgets a pending commit, once its files are published or
// abandoned.
func (r *Repo) DropPending(ctx context.Context, commit string) error {
	h, err := parseHash(commit)
	if err != nil {
		return err
	}
	r.st.Lock()
	defer r.st.Unlock()
	name := plumbing.ReferenceName(pendingPrefix + h.String())
	if err := r.storer().RemoveReference(name); err != nil {
		return fmt.Errorf("drop %s: %w", name, err)
	}
	return nil
}
