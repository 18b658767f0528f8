package gate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// PRCheck is what `mlcd check` finds in a pull request's change: the
// registry's rules (registry.Check) and the merge gate's (CheckJournals,
// CheckPolicy), with the registry on both sides for the comparison a
// pull request comment shows.
type PRCheck struct {
	Base, Head       string // the merge base and the change's commit
	BaseReg, HeadReg *registry.Registry
	// Problems are every broken rule, sorted by file, line and column.
	Problems []*diag.Error
	// Changes is the registry's diff from Base to Head (nil when either
	// side does not load).
	Changes []registry.Change
	// Policy is promote: of Head's mlcd.yaml, for comparisons.
	Policy *pipeline.Promote
	// Loosening is Head's loosening of the merge gate, if any; it is a
	// problem until JudgeLoosening finds the approvals it needs.
	Loosening *Loosening
	// GateNote says why a loosening passes, for people.
	GateNote string
}

// CheckPullRequest applies the rules of a pull request's change from base
// to head of repo: valid version files, only the stage, aliases and
// description of existing versions change, the artifact of a version moved
// to Staging or Production is in st (nil skips that rule), no journal is
// touched, and the policy is not loosened (Loosening, judged separately).
func CheckPullRequest(ctx context.Context, repo *gitstore.Repo, base, head string, st registry.Store) (*PRCheck, error) {
	trees, err := repo.Snapshots(ctx, base, head)
	if err != nil {
		return nil, err
	}
	baseFS, headFS := trees[0], trees[1]
	paths, err := repo.ChangedPaths(ctx, base, head)
	if err != nil {
		return nil, err
	}
	c := &PRCheck{Base: base, Head: head}
	var loader registry.Loader // one parse of each file for the check and the diff
	c.Problems = loader.Check(baseFS, headFS, st)
	change := PRChange{Base: baseFS, Head: headFS, Paths: paths}
	c.addProblems(CheckJournals(change)...)
	c.Loosening = CheckPolicy(change)
	c.BaseReg, _ = loader.Load(baseFS)
	c.HeadReg, _ = loader.Load(headFS)
	if c.BaseReg != nil && c.HeadReg != nil {
		c.Changes = registry.Diff(c.BaseReg, c.HeadReg)
	}
	c.Policy = pipeline.PromoteOf(headFS)
	return c, nil
}

// Approver is what JudgeLoosening asks GitHub; *forge.Client is one.
type Approver interface {
	Approvals(ctx context.Context, number int, author, head string) (forge.Approval, error)
}

// JudgeLoosening decides a change that loosens the merge gate: it is a
// problem unless GitHub says that the pull request of ev has, on its head,
// the approvals the gate in force asks for (people other than its author,
// approving that very commit). Without gh or a pull request number it is
// a problem.
func (c *PRCheck) JudgeLoosening(ctx context.Context, gh Approver, ev forge.PullRequestEvent) error {
	l := c.Loosening
	if l == nil {
		return nil
	}
	if gh == nil || ev.Number == 0 {
		c.addProblems(l.Problem)
		return nil
	}
	// The head the status goes on; without an event payload, GitHub's.
	a, err := gh.Approvals(ctx, ev.Number, "", ev.HeadSHA)
	if err != nil {
		return fmt.Errorf("approvals of the change to the merge gate: %w", err)
	}
	if len(a.Approvers) >= l.Approvals() {
		c.GateNote = fmt.Sprintf("%s: %s: allowed, pull request #%d is approved on its head %.7s by %s, as the gate in force asks",
			placeOf(l.Problem), l.How, ev.Number, a.Head, strings.Join(a.Approvers, ", "))
		return nil
	}
	p := *l.Problem
	p.Msg += fmt.Sprintf("; pull request #%d has %d approving review(s) of its head %.7s", ev.Number, len(a.Approvers), a.Head)
	c.addProblems(&p)
	return nil
}

// Summary lists the stage changes of the registry between Base and Head,
// its first line "ok: registry change BASE..HEAD: N stage changes".
func (c *PRCheck) Summary() string {
	var b strings.Builder
	n := 0
	for _, ch := range c.Changes {
		if ch.StageChanged() {
			fmt.Fprintf(&b, "  %s v%d: %s -> %s\n", ch.Model, ch.Version, ch.FromStage, ch.ToStage)
			n++
		}
	}
	word := "changes"
	if n == 1 {
		word = "change"
	}
	head := fmt.Sprintf("ok: registry change %.12s..%.12s: %d stage %s\n", c.Base, c.Head, n, word)
	return head + b.String()
}

// placeOf is an error's FILE[:LINE[:COL]].
func placeOf(e *diag.Error) string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return e.File
}

// addProblems adds problems, keeping them sorted by file, line and column.
func (c *PRCheck) addProblems(ps ...*diag.Error) {
	c.Problems = append(c.Problems, ps...)
	slices.SortStableFunc(c.Problems, func(a, b *diag.Error) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}
