package gitstore

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/mlcd-dev/mlcd/layout"
)

// checkPaths accepts only clean paths under layout.BotRoots, none of which is a
// folder of another.
func checkPaths(files map[string][]byte) error {
	var bad []string
	for p := range files {
		if !botPath(p) {
			bad = append(bad, fmt.Sprintf("%q", p))
			continue
		}
		for dir := parentOf(p); dir != ""; dir = parentOf(dir) {
			if _, ok := files[dir]; ok {
				bad = append(bad, fmt.Sprintf("%q (also written as a file)", p))
				break
			}
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%w: %s (the bot writes only under %s/)",
			ErrForbiddenPath, strings.Join(bad, ", "), strings.Join(layout.BotRoots, "/, "))
	}
	return nil
}

func botPath(p string) bool {
	if !fs.ValidPath(p) || strings.ContainsAny(p, "\\\x00") {
		return false
	}
	parts := strings.Split(p, "/")
	if len(parts) < 2 {
		return false
	}
	for _, part := range parts {
		if strings.EqualFold(part, ".git") {
			return false
		}
	}
	return layout.IsBotPath(p)
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// checkConflicts stops a retry that would overwrite a person's work: a path
// the bot wrote in its previous attempt and writes again, whose content on
// the branch changed between the two tips.
func (r *Repo) checkConflicts(prev *attempt, base plumbing.Hash, files map[string][]byte) error {
	if prev == nil || prev.base == base {
		return nil
	}
	oldRoot, err := r.rootOf(prev.base)
	if err != nil {
		return err
	}
	newRoot, err := r.rootOf(base)
	if err != nil {
		return err
	}
	var changed []string
	for p := range files {
		if _, wrote := prev.files[p]; !wrote {
			continue
		}
		before, err := r.pathHash(oldRoot, p)
		if err != nil {
			return err
		}
		after, err := r.pathHash(newRoot, p)
		if err != nil {
			return err
		}
		if before != after {
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	sort.Strings(changed)
	return fmt.Errorf("%s changed on %s (commit %s) while the bot was writing it: %w",
		strings.Join(changed, ", "), r.branch, short(base.String()), ErrConflict)
}

func (r *Repo) rootOf(commit plumbing.Hash) (plumbing.Hash, error) {
	if commit.IsZero() {
		return plumbing.ZeroHash, nil
	}
	c, err := r.commitObject(commit)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c.TreeHash, nil
}
