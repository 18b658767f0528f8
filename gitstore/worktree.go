package gitstore

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	git "github.com/go-git/go-git/v5"
)

// HeadState is where a person's checkout stands.
type HeadState struct {
	Commit string // HEAD's full hash
	Branch string // HEAD's branch; "" when HEAD is detached
	// Dirty is set when git status reports a change (tracked or untracked)
	// in the folder asked about, outside the excluded paths, or when git
	// could not be asked.
	Dirty bool
}

// WorkTreeHead describes the checkout that holds dir (dir or a folder above
// it has a .git): its HEAD, and whether dir's part of the working tree
// differs from it, the paths in exclude (relative to dir) aside. ok is false
// outside a checkout and before its first commit.
//
// The status is git's own (`git status --porcelain`): go-git's reads neither
// a person's global excludes nor git's stat cache, so it would call trees
// dirty that git calls clean, and read every file to say so.
func WorkTreeHead(ctx context.Context, dir string, exclude ...string) (HeadState, bool) {
	top, ok := CheckoutOf(dir)
	if !ok {
		return HeadState{}, false // no repository: spare the opening and a git process
	}
	repo, err := git.PlainOpenWithOptions(top, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return HeadState{}, false
	}
	head, err := repo.Head()
	if err != nil {
		return HeadState{}, false
	}
	s := HeadState{Commit: head.Hash().String()}
	if head.Name().IsBranch() {
		s.Branch = head.Name().Short()
	}
	args := []string{"-C", dir, "status", "--porcelain", "--", "."}
	for _, p := range exclude {
		args = append(args, ":(exclude)"+p)
	}
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	s.Dirty = err != nil || strings.TrimSpace(string(out)) != ""
	return s, true
}

// CheckoutOf returns the top of the checkout that holds dir: dir or the
// first folder above it that has a .git. ok is false outside a checkout.
func CheckoutOf(dir string) (top string, ok bool) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}
