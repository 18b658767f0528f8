package gitstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	git "github.com/go-git/go-git/v5"
)

// ErrDirtyTree is the error of a checkout that cannot move to another
// commit because its working tree has changes.
var ErrDirtyTree = errors.New("the working tree has uncommitted changes")

// SwitchWorkTree makes the checkout holding dir stand at commit (a full
// hash), HEAD detached, unless it already does. It refuses a working tree
// with changes (tracked or untracked, as `git status` sees them, outside
// the excluded paths), and says so, rather than lose them; a commit the
// clone does not have is fetched from origin first.
func SwitchWorkTree(ctx context.Context, dir, commit string, exclude ...string) error {
	if headIs(dir, commit) {
		return nil // the usual case on an engine: spare git status, a process per task
	}
	h, ok := WorkTreeHead(ctx, dir, exclude...)
	if !ok {
		return fmt.Errorf("check out %.12s: %s is not in a git checkout with a commit: %w", commit, dir, ErrNotFound)
	}
	if h.Commit == commit {
		return nil
	}
	if h.Dirty {
		return fmt.Errorf("check out %.12s in %s (now at %.12s): %w; commit or stash them, or use a fresh clone", commit, dir, h.Commit, ErrDirtyTree)
	}
	if gitRun(ctx, dir, "cat-file", "-e", commit+"^{commit}") != nil {
		if err := gitRun(ctx, dir, "fetch", "--quiet", "origin", commit); err != nil {
			return fmt.Errorf("check out %.12s in %s: the clone does not have it and fetching it failed: %w", commit, dir, err)
		}
	}
	if err := gitRun(ctx, dir, "checkout", "--quiet", "--detach", commit); err != nil {
		return fmt.Errorf("check out %.12s in %s: %w", commit, dir, err)
	}
	return nil
}

// gitRun runs git in dir; its error carries git's own message.
func gitRun(ctx context.Context, dir string, args ...string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("git %s: %s: %w", args[0], msg, err)
		}
		return fmt.Errorf("git %s: %w", args[0], err)
	}
	return nil
}

// headIs reports whether the checkout holding dir has HEAD at commit.
func headIs(dir, commit string) bool {
	top, ok := CheckoutOf(dir)
	if !ok {
		return false
	}
	repo, err := git.PlainOpenWithOptions(top, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return false
	}
	head, err := repo.Head()
	return err == nil && head.Hash().String() == commit
}

// CloneAt clones the repository at src (a folder) into dst, which must not
// exist, with HEAD detached at commit: a checkout `mlcd task exec` can use.
func CloneAt(ctx context.Context, src, dst, commit string) error {
	if err := gitRun(ctx, ".", "clone", "--quiet", "--no-checkout", src, dst); err != nil {
		return fmt.Errorf("clone %s at %.12s: %w", src, commit, err)
	}
	if err := gitRun(ctx, dst, "checkout", "--quiet", "--detach", commit); err != nil {
		return fmt.Errorf("clone %s at %.12s: %w", src, commit, err)
	}
	return nil
}
