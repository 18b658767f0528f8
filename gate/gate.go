package gate

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlcd-dev/mlcd/gitstore"
)

// The deploy.require modes.
const (
	RequireApprovedPR  = "approved-pr"
	RequireMergedPR    = "merged-pr"
	RequireMergeCommit = "merge-commit"
	RequireNone        = "none"
)

// CheckContext is the commit status of `mlcd check` that approved-pr
// requires green on the pull request's head.
const CheckContext = "mlcd/check"

var (
	// ErrNoForge: deploy.require asks GitHub, and no GitHub API is
	// configured (a token and a GitHub remote).
	ErrNoForge = errors.New("no GitHub API configured")
	// ErrNotSet: no commit in the range looked at sets the version to
	// Production.
	ErrNotSet = errors.New("no commit sets it to Production")
)

// History is what the gate reads of the repository; *gitstore.Repo has it.
type History interface {
	FirstParentChanges(ctx context.Context, head, stop, name string, max int) ([]gitstore.CommitInfo, bool, error)
	ReadFile(ctx context.Context, commit, name string) ([]byte, error)
	ChangedPaths(ctx context.Context, from, to string) ([]string, error)
}

// Input is one Production change to decide.
type Input struct {
	History History
	// Forge is GitHub's API, nil when the remote has none (leave the
	// interface nil, not a nil *forge.Client).
	Forge  Checker
	Branch string // the tracked branch
	Head   string // the branch's tip
	// Since is the last commit already decided; the walk for the commit
	// that set Production stops there. "" walks back at most MaxWalk commits.
	Since   string
	Model   string
	Version int
	// Require is deploy.require; "" is approved-pr with a Forge, else
	// merge-commit.
	Require   string
	Approvals int // deploy.approvals; 0 means 1
	// Commit is the commit that set Production when the caller found it
	// with SetBy; nil lets Evaluate find it.
	Commit *gitstore.CommitInfo
}

// Decision is the gate's answer for one change.
type Decision struct {
	Allowed   bool
	Reason    string   // for people, with the short commit and the mode
	Require   string   // the mode applied
	Commit    string   // the commit that set Production; "" if none was found
	PR        int      // the merged pull request, when one was found
	Approvers []string // who approved it, under approved-pr
}

// Mode returns the deploy.require that applies: require itself, or the
// default for a remote with (approved-pr) or without (merge-commit) a
// GitHub API.
func Mode(require string, hasForge bool) string {
	switch {
	case require != "":
		return require
	case hasForge:
		return RequireApprovedPR
	}
	return RequireMergeCommit
}

// Evaluate decides whether in's change may deploy. A refusal is a Decision
// with Allowed false and its reason; errors are failures to read the
// repository or to ask GitHub, and ErrNoForge.
func Evaluate(ctx context.Context, in Input) (Decision, error) {
	d := Decision{Require: Mode(in.Require, in.Forge != nil)}
	what := fmt.Sprintf("%s v%d", in.Model, in.Version)
	c := in.Commit
	if c == nil {
		var err error
		if c, err = SetBy(ctx, in.History, in.Head, in.Since, in.Model, in.Version); errors.Is(err, ErrNotSet) {
			d.Reason = fmt.Sprintf("%v; deploy.require is %s", err, d.Require)
			return d, nil
		} else if err != nil {
			return d, err
		}
	}
	d.Commit = c.Hash
	switch d.Require {
	case RequireNone:
		d.Allowed = true
		d.Reason = fmt.Sprintf("commit %s set %s to Production; deploy.require is none", short(c.Hash), what)
		return d, nil
	case RequireMergeCommit:
		return mergeCommit(ctx, in, c, d)
	case RequireApprovedPR, RequireMergedPR:
		return askForge(ctx, in, c, d)
	}
	return d, fmt.Errorf("merge gate: unknown deploy.require %q", d.Require)
}

// mergeCommit allows a merge commit whose merged side brought the change.
func mergeCommit(ctx context.Context, in Input, c *gitstore.CommitInfo, d Decision) (Decision, error) {
	what := fmt.Sprintf("%s v%d", in.Model, in.Version)
	if len(c.Parents) < 2 {
		d.Reason = fmt.Sprintf("commit %s set %s to Production by a direct push, not a merge; deploy.require is merge-commit", short(c.Hash), what)
		return d, nil
	}
	for _, p := range c.Parents[1:] {
		prod, err := isProduction(ctx, in.History, p, in.Model, in.Version)
		if err != nil {
			return d, err
		}
		if prod {
			d.Allowed = true
			d.Reason = fmt.Sprintf("merge commit %s brought %s to Production into %s; deploy.require is merge-commit", short(c.Hash), what, in.Branch)
			return d, nil
		}
	}
	d.Reason = fmt.Sprintf("merge commit %s set %s to Production itself, not through the branch it merged; deploy.require is merge-commit", short(c.Hash), what)
	return d, nil
}

// askForge asks GitHub whether c is the merge of an (approved) pull request.
func askForge(ctx context.Context, in Input, c *gitstore.CommitInfo, d Decision) (Decision, error) {
	if in.Forge == nil {
		return d, fmt.Errorf("merge gate: deploy.require is %s: %w (mlcd needs a GitHub token and a GitHub repository to ask)", d.Require, ErrNoForge)
	}
	approvals := in.Approvals
	if approvals <= 0 {
		approvals = 1
	}
	fd, err := askGitHub(ctx, in.Forge, c.Hash, in.Branch, d.Require, approvals, CheckContext)
	if err != nil {
		return d, fmt.Errorf("merge gate for %s v%d at %s: %w", in.Model, in.Version, short(c.Hash), err)
	}
	d.Allowed, d.Approvers = fd.Allowed, fd.Approvers
	if fd.PR != nil {
		d.PR = fd.PR.Number
	}
	d.Reason = fmt.Sprintf("%s v%d to Production: %s; deploy.require is %s", in.Model, in.Version, fd.Reason, d.Require)
	return d, nil
}

// short is the abbreviated commit of messages: abc1234.
func short(hash string) string {
	if len(hash) > 7 {
		return hash[:7]
	}
	return hash
}
