package gate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/registry"
)

// MaxWalk bounds the first-parent walk when there is no last decided
// commit to stop at.
const MaxWalk = 10000

// SetBy returns the commit that set version of model to Production: walking
// the first-parent chain from head back to since (not included), the newest
// commit whose version file says Production while its first parent's does
// not. A merged pull request is found as its merge commit. The error wraps
// ErrNotSet when no commit in the range does.
func SetBy(ctx context.Context, h History, head, since, model string, version int) (*gitstore.CommitInfo, error) {
	name := registry.VersionPath(model, version)
	changed, more, err := h.FirstParentChanges(ctx, head, since, name, MaxWalk)
	if err != nil {
		return nil, fmt.Errorf("find the commit that set %s v%d to Production: %w", model, version, err)
	}
	for i := range changed {
		c := &changed[i]
		prod, err := isProduction(ctx, h, c.Hash, model, version)
		if err != nil {
			return nil, err
		}
		if !prod {
			break // not Production at head
		}
		if len(c.Parents) == 0 {
			return c, nil
		}
		before, err := isProduction(ctx, h, c.Parents[0], model, version)
		if err != nil {
			return nil, err
		}
		if !before {
			return c, nil
		}
	}
	scope := "on the first-parent chain of " + short(head)
	if since != "" {
		scope += " since " + short(since)
	}
	if more {
		scope = fmt.Sprintf("in the last %d commits %s", MaxWalk, scope)
	}
	return nil, fmt.Errorf("%s v%d: %w %s", model, version, ErrNotSet, scope)
}

// isProduction reports whether the version file at commit says Production.
// An absent file or one that does not parse does not.
func isProduction(ctx context.Context, h History, commit, model string, version int) (bool, error) {
	name := registry.VersionPath(model, version)
	data, err := h.ReadFile(ctx, commit, name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s at %s: %w", name, short(commit), err)
	}
	v, err := registry.Parse(name, data)
	if err != nil {
		return false, nil
	}
	return v.Stage == registry.StageProduction, nil
}
