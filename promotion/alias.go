package promotion

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/registry"
)

// ErrAliasSet: the version holds the alias already.
var ErrAliasSet = errors.New("alias already set")

// AliasRequest moves an alias of a model to one version, as MLflow's
// set_registered_model_alias does.
type AliasRequest struct {
	Model   string
	Version int
	Alias   string
	// Branch is the branch of the change; default AliasBranchName.
	Branch string
	Author gitstore.Signature // zero means the bot
}

// AliasBranchName is the branch that moves one alias:
// mlcd/alias-<model>-<alias>.
func AliasBranchName(model, alias string) string {
	return "mlcd/alias-" + model + "-" + alias
}

// OpenAlias commits, on its own branch built on the tracked branch's tip,
// the version files that give req.Alias to req.Version and take it from
// the model's other versions, pushes it, and, when gh is not nil, opens or
// updates the pull request into the tracked branch. Like Open, it changes
// nothing on the tracked branch: merging the pull request is the change.
func OpenAlias(ctx context.Context, repo *gitstore.Repo, gh *forge.Client, req AliasRequest) (*Result, error) {
	if req.Branch == "" {
		req.Branch = AliasBranchName(req.Model, req.Alias)
	}
	at, err := tipVersion(ctx, repo, req.Model, req.Version)
	if err != nil {
		return nil, err
	}
	tip, reg, v := at.tip, at.reg, at.v
	if slices.Contains(v.Aliases, req.Alias) {
		return nil, fmt.Errorf("%s v%d has alias %s already on %s: %w", v.Model, v.Version, req.Alias, repo.Branch(), ErrAliasSet)
	}
	files, from, err := aliasFiles(reg, v, req.Alias)
	if err != nil {
		return nil, err
	}
	res := &Result{Branch: req.Branch, Merge: "git merge --no-ff origin/" + req.Branch}
	res.Title = fmt.Sprintf("Set alias %s of %s to v%d", req.Alias, v.Model, v.Version)
	res.Body = fmt.Sprintf("Gives the alias `%s` to %s v%d%s. Asked for by a task of run %s through MLflow's API; merging this pull request is the change.\n",
		req.Alias, v.Model, v.Version, from, v.RunID)
	res.Commit, err = repo.PublishBranch(ctx, gitstore.BranchUpdate{
		Branch: req.Branch, Parent: tip, Files: files, Author: req.Author,
		Message: res.Title + "\n\n" + res.Body,
	})
	if err != nil {
		return nil, fmt.Errorf("push %s: %w", req.Branch, err)
	}
	if gh == nil {
		return res, nil
	}
	res.PR, res.Created, err = gh.EnsurePR(ctx, req.Branch, repo.Branch(), res.Title, res.Body)
	if err != nil {
		return res, fmt.Errorf("pull request from %s (the branch is pushed): %w", req.Branch, err)
	}
	return res, nil
}

// aliasFiles returns the version files of v's model with alias moved to
// v, and " (from v<N>)" naming the version that held it.
func aliasFiles(reg *registry.Registry, v *registry.Version, alias string) (map[string][]byte, string, error) {
	files := map[string][]byte{}
	from := ""
	for _, w := range reg.Model(v.Model).Versions {
		has := slices.Contains(w.Aliases, alias)
		if w.Version != v.Version && !has {
			continue
		}
		if has {
			from = fmt.Sprintf(" (from v%d)", w.Version)
		}
		data, _ := reg.File(w.Path())
		parsed, err := registry.Parse(w.Path(), data)
		if err != nil {
			return nil, "", fmt.Errorf("alias %s: %w", alias, err)
		}
		c := *parsed
		c.Aliases = slices.DeleteFunc(slices.Clone(parsed.Aliases), func(a string) bool { return a == alias })
		if w.Version == v.Version {
			c.Aliases = append(c.Aliases, alias)
		}
		files[w.Path()] = registry.Marshal(&c)
	}
	return files, from, nil
}
