package promotion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

var (
	// ErrUnknown: the model or the version does not exist on the tracked
	// branch. The message lists the known ones.
	ErrUnknown = errors.New("unknown model version")
	// ErrSameStage: the version is already in the stage asked for.
	ErrSameStage = errors.New("already in that stage")
)

// Request is one promotion.
type Request struct {
	Model   string
	Version int
	Stage   registry.Stage // default Production
	// Branch is the branch of the change; default BranchName(Model, Version).
	Branch string
	// Author of the commit; zero means the bot.
	Author gitstore.Signature
	// ReportURL is where the static report is published ("" for no link).
	ReportURL string
	// Policy says which metric decides "better" in the body; nil reads
	// promote: from mlcd.yaml on the tracked branch.
	Policy *pipeline.Promote
}

// Result is what Open did.
type Result struct {
	Branch  string
	Commit  string // the tip of Branch
	Title   string
	Body    string    // the pull request body, Markdown
	PR      *forge.PR // nil without GitHub
	Created bool      // the pull request was opened now, not updated
	// Merge is what to run to merge the change by hand, for hosts
	// without pull requests.
	Merge string
}

// BranchName is the branch of the promotion of one version:
// mlcd/promote-<model>-v<n>.
func BranchName(model string, n int) string {
	return "mlcd/promote-" + model + "-v" + strconv.Itoa(n)
}

// Open commits the change of req's version to req.Stage on its own branch
// of the repository, built on the tracked branch's tip, pushes it, and,
// when gh is not nil, opens or updates the pull request into the tracked
// branch. Running it again updates the branch and the same pull request.
func Open(ctx context.Context, repo *gitstore.Repo, gh *forge.Client, req Request) (*Result, error) {
	if req.Stage == "" {
		req.Stage = registry.StageProduction
	}
	if req.Branch == "" {
		req.Branch = BranchName(req.Model, req.Version)
	}
	at, err := tipVersion(ctx, repo, req.Model, req.Version)
	if err != nil {
		return nil, err
	}
	tip, tree, reg, v := at.tip, at.tree, at.reg, at.v
	if v.Stage == req.Stage {
		return nil, fmt.Errorf("%s v%d is %s already on %s: %w", v.Model, v.Version, v.Stage, repo.Branch(), ErrSameStage)
	}
	data, _ := reg.File(v.Path())
	next, err := registry.SetStage(v.Path(), data, req.Stage)
	if err != nil {
		return nil, err
	}
	res := &Result{Branch: req.Branch, Merge: "git merge --no-ff origin/" + req.Branch}
	res.Title = fmt.Sprintf("Promote %s v%d to %s", v.Model, v.Version, req.Stage)
	res.Commit, err = repo.PublishBranch(ctx, gitstore.BranchUpdate{
		Branch: req.Branch, Parent: tip, Files: map[string][]byte{v.Path(): next}, Author: req.Author,
		Message: res.Title + "\n\nSet by mlcd promote: " + v.Path() + " stage " + string(v.Stage) + " -> " + string(req.Stage) + ".\n",
	})
	if err != nil {
		return nil, fmt.Errorf("push %s: %w", req.Branch, err)
	}
	policy := req.Policy
	if policy == nil {
		policy = pipeline.PromoteOf(tree)
	}
	res.Body = Body(v, reg.Production(v.Model), req.Stage, policy, req.ReportURL)
	if gh == nil {
		return res, nil
	}
	res.PR, res.Created, err = gh.EnsurePR(ctx, req.Branch, repo.Branch(), res.Title, res.Body)
	if err != nil {
		return res, fmt.Errorf("pull request from %s (the branch is pushed): %w", req.Branch, err)
	}
	return res, nil
}

// find returns version n of model, or an error wrapping ErrUnknown that
// lists what exists.
func find(reg *registry.Registry, model string, n int) (*registry.Version, error) {
	m := reg.Model(model)
	if m == nil {
		var names []string
		for _, m := range reg.Models() {
			names = append(names, m.Name)
		}
		known := "none"
		if len(names) > 0 {
			known = strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("model %q: %w (known models: %s)", model, ErrUnknown, known)
	}
	v := m.Version(n)
	if v == nil {
		var vs []string
		for _, v := range m.Versions {
			vs = append(vs, "v"+strconv.Itoa(v.Version)+" ("+string(v.Stage)+")")
		}
		return nil, fmt.Errorf("%s v%d: %w (known versions: %s)", model, n, ErrUnknown, strings.Join(vs, ", "))
	}
	return v, nil
}

// problemsOf returns the problems of the file at path among those of a
// registry load, so that "unknown version" comes with why its file did not
// count; nil when it has none.
func problemsOf(loadErr error, path string) error {
	var mine []error
	for _, p := range diag.Problems(loadErr) {
		if p.File == path {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	return fmt.Errorf("%s does not parse: %w", path, errors.Join(mine...))
}

// atTip is the tracked branch's tip, its tree and registry, and the
// version a request is about.
type atTip struct {
	tip  string
	tree fs.FS
	reg  *registry.Registry
	v    *registry.Version
}

// tipVersion fetches the tracked branch and returns what its tip holds of
// version n of model.
func tipVersion(ctx context.Context, repo *gitstore.Repo, model string, n int) (*atTip, error) {
	tip, err := repo.Fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", repo.Branch(), err)
	}
	tree, err := repo.FS(ctx, tip)
	if err != nil {
		return nil, err
	}
	reg, loadErr := registry.Load(tree)
	if reg == nil {
		return nil, fmt.Errorf("registry of %s: %w", repo.Branch(), loadErr)
	}
	v, err := find(reg, model, n)
	if err != nil {
		return nil, errors.Join(err, problemsOf(loadErr, registry.VersionPath(model, n)))
	}
	return &atTip{tip: tip, tree: tree, reg: reg, v: v}, nil
}
