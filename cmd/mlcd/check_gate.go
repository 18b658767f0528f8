package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/promotion"
)

// checkPR is the pull request `mlcd check --github` reports on.
type checkPR struct {
	gh    *forge.Client
	event prEvent
	sha   string // the commit the status goes on: the pull request's head
}

// openCheckPR finds GitHub's API and the pull request of the GitHub
// Actions event.
func openCheckPR(opts *globalOptions, c *checked, getenv func(string) string) (*checkPR, error) {
	gh, why, err := promotion.GitHub(c.repo.URL(), getenv, newLogger(opts))
	if err != nil {
		return nil, err
	}
	if gh == nil {
		return nil, badInput(fmt.Errorf("--github: %s", why))
	}
	pr := &checkPR{gh: gh, event: readEvent(getenv), sha: c.head}
	if pr.event.headSHA != "" {
		pr.sha = pr.event.headSHA // Actions checks out the merge ref; statuses belong on the PR's head
	}
	return pr, nil
}

// judgeLoosening decides a change that loosens the merge gate in
// mlcd.yaml: it is a problem unless GitHub says that the pull request's
// head has the approvals the gate in force asks for (people other than
// its author, approving that very commit), which only --github can ask.
func judgeLoosening(ctx context.Context, c *checked, pr *checkPR) error {
	l := c.loosening
	if l == nil {
		return nil
	}
	if pr == nil || pr.event.number == 0 {
		c.addProblems(l.Problem)
		return nil
	}
	// The head the status goes on; without an event payload, GitHub's.
	a, err := pr.gh.Approvals(ctx, pr.event.number, "", pr.event.headSHA)
	if err != nil {
		return fmt.Errorf("approvals of the change to the merge gate: %w", err)
	}
	if len(a.Approvers) >= l.Approvals() {
		c.gateNote = fmt.Sprintf("%s: %s: allowed, pull request #%d is approved on its head %.7s by %s, as the gate in force asks",
			placeOf(l.Problem), l.How, pr.event.number, a.Head, strings.Join(a.Approvers, ", "))
		return nil
	}
	p := *l.Problem
	p.Msg += fmt.Sprintf("; pull request #%d has %d approving review(s) of its head %.7s", pr.event.number, len(a.Approvers), a.Head)
	c.addProblems(&p)
	return nil
}

// placeOf is an error's FILE[:LINE[:COL]].
func placeOf(e *pipeline.Error) string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return e.File
}

// addProblems adds problems, keeping them sorted by file, line and column.
func (c *checked) addProblems(ps ...*pipeline.Error) {
	c.problems = append(c.problems, ps...)
	slices.SortStableFunc(c.problems, func(a, b *pipeline.Error) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}
