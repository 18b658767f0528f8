package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/mlcd-dev/mlcd/internal/backoff"
)

// pushBackoff is the wait before Publish tries again after someone pushed
// first: doubling from 50ms, at most 2s, jittered over its upper half so
// that racing writers spread.
var pushBackoff = backoff.Policy{First: 50 * time.Millisecond, Factor: 2, Max: 2 * time.Second}

// BuildFunc returns the files the bot writes on top of the branch's tip:
// path (slash-separated) -> content, nil content deleting the file. Publish
// calls it again on the new tip each time someone pushed first, so it must
// derive its result from tip (that is how version numbers are re-chosen).
// To stop because a person changed what it writes, it returns an error
// wrapping ErrConflict.
type BuildFunc func(ctx context.Context, tip fs.FS) (map[string][]byte, error)

// pendingPrefix holds the bot's commits that could not be pushed.
const pendingPrefix = "refs/heads/mlcd/pending/"

// Publish commits the files that build returns on the branch's tip, as the
// bot, and pushes the commit; it returns the new tip. When the files are
// already there it commits nothing and returns the current tip.
//
// The commit is made from tree objects (no worktree), so its cost follows
// the folders it touches, not the repository's size. When the branch moved
// on the remote, Publish fetches, calls build again on the new tip and
// pushes again, with backoff and jitter, up to Options.PushAttempts times.
// It never forces: the remote accepts the update only from the tip the
// commit was built on. If a file the bot wrote was changed on the branch
// meanwhile, or build reports ErrConflict, it stops. Whenever it gives up
// after building a commit, the commit is kept on a local branch (see
// PublishError and Pending).
func (r *Repo) Publish(ctx context.Context, msg string, build BuildFunc) (string, error) {
	r.op.Lock()
	defer r.op.Unlock()
	var last *attempt // the last commit built
	for try := 1; ; try++ {
		a, err := r.attempt(ctx, msg, build, last)
		if a != nil {
			last = a
		}
		if err == nil {
			if a.commit != a.base {
				r.log.Info("published", "commit", a.commit.String(), "attempts", try, "files", len(a.files))
			}
			if a.commit.IsZero() {
				return "", nil // only deletions on a branch that does not exist
			}
			return a.commit.String(), nil
		}
		if !errors.Is(err, ErrNonFastForward) || try >= r.attempts {
			return "", r.keepPending(last, err)
		}
		r.log.Info("branch moved during push, rebuilding", "attempt", try)
		if err := backoff.Sleep(ctx, pushBackoff.Delay(try, rand.Float64)); err != nil {
			return "", r.keepPending(last, err)
		}
	}
}

// attempt is one build, commit and push.
type attempt struct {
	base   plumbing.Hash // the tip the commit was built on
	files  map[string][]byte
	commit plumbing.Hash // == base when there was nothing to commit
}

func (r *Repo) attempt(ctx context.Context, msg string, build BuildFunc, prev *attempt) (*attempt, error) {
	base, tip, err := r.fetchTip(ctx)
	if err != nil {
		return nil, err
	}
	files, err := build(ctx, tip)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := checkPaths(files); err != nil {
		return nil, err
	}
	if err := r.checkConflicts(prev, base, files); err != nil {
		return nil, err
	}
	a := &attempt{base: base, files: files}
	a.commit, err = r.commitFiles(ctx, base, files, msg)
	if err != nil && a.commit == base {
		return nil, err // no commit was built
	}
	return a, err
}

// fetchTip fetches and returns the tip and its tree; a branch that does not
// exist yet has a zero tip and an empty tree.
func (r *Repo) fetchTip(ctx context.Context) (plumbing.Hash, fs.FS, error) {
	tip, err := r.fetch(ctx)
	if errors.Is(err, errNoBranch) {
		return plumbing.ZeroHash, r.emptyFS(), nil
	}
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	view, err := r.FS(ctx, tip)
	return plumbing.NewHash(tip), view, err
}

// commitFiles builds the commit of files on base and pushes it. It returns
// base when the files change nothing; after a failed push it returns the
// commit it built, so the caller knows what to keep.
func (r *Repo) commitFiles(ctx context.Context, base plumbing.Hash, files map[string][]byte, msg string) (plumbing.Hash, error) {
	root := plumbing.ZeroHash
	if !base.IsZero() {
		c, err := r.commitObject(base)
		if err != nil {
			return base, err
		}
		root = c.TreeHash
	}
	var added newObjects
	tree, err := r.applyTree(root, files, &added)
	if err != nil {
		return base, fmt.Errorf("build tree: %w", err)
	}
	if tree == root {
		return base, nil
	}
	if tree.IsZero() {
		if tree, err = r.storeEmptyTree(&added); err != nil {
			return base, err
		}
	}
	commit, err := r.storeCommit(tree, base, msg, &added)
	if err != nil {
		return base, err
	}
	if err := r.push(ctx, base, commit, added); err != nil {
		return commit, err
	}
	return commit, r.setTip(commit)
}
