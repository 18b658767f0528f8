package forge

import (
	"context"
	"fmt"
	"strings"
)

// The deploy.require modes GateCheck decides; "merge-commit" and "none"
// need only git and are decided elsewhere.
const (
	RequireApprovedPR = "approved-pr"
	RequireMergedPR   = "merged-pr"
)

// Decision is the merge gate's answer for one commit.
type Decision struct {
	Allowed bool
	// Reason says why, for people: "commit abc1234 is not the merge of a
	// pull request into main".
	Reason    string
	PR        *PR      // the merged pull request, when one was found
	Approvers []string // who approves it, under approved-pr
}

// GateCheck decides whether commit sha on branch may deploy under require:
// sha must be the merge commit (merge, squash or rebase) of a merged pull
// request whose base is branch; under approved-pr that pull request also
// needs at least approvals (at least 1) approving reviews of its head
// commit, as merged, by people other than its author (an approval followed
// by new pushes does not count), and, when checkContext is not empty, that
// status green on its head commit. A refusal is a Decision, not an error; errors are
// failures to ask GitHub.
func (c *Client) GateCheck(ctx context.Context, sha, branch, require string, approvals int, checkContext string) (Decision, error) {
	if require != RequireApprovedPR && require != RequireMergedPR {
		return Decision{}, fmt.Errorf("merge gate: %w: require %q is not checked through GitHub (want %s or %s)",
			ErrBadArgument, require, RequireApprovedPR, RequireMergedPR)
	}
	if branch == "" {
		return Decision{}, fmt.Errorf("merge gate: %w: empty branch", ErrBadArgument)
	}
	prs, err := c.PullsForCommit(ctx, sha)
	if err != nil {
		return Decision{}, fmt.Errorf("merge gate: %w", err)
	}
	pr := mergedInto(prs, sha, branch)
	if pr == nil {
		return Decision{Reason: notMergedReason(prs, sha, branch)}, nil
	}
	d := Decision{PR: pr}
	merged := fmt.Sprintf("commit %s is the merge of pull request #%d into %s", short(sha), pr.Number, branch)
	if require == RequireMergedPR {
		d.Allowed, d.Reason = true, merged
		return d, nil
	}
	a, err := c.Approvals(ctx, pr.Number, pr.Author, pr.HeadSHA)
	if err != nil {
		return Decision{}, fmt.Errorf("merge gate: %w", err)
	}
	d.Approvers = a.Approvers
	if need := max(approvals, 1); len(d.Approvers) < need {
		d.Reason = fmt.Sprintf("pull request #%d has %d approving review(s) from someone other than its author %s; %d required",
			pr.Number, len(d.Approvers), pr.Author, need)
		if len(a.Stale) > 0 {
			d.Reason += "; " + staleReason(a.Stale, a.Head)
		}
		return d, nil
	}
	if checkContext != "" {
		state, err := c.CombinedStatus(ctx, pr.HeadSHA, checkContext)
		if err != nil {
			return Decision{}, fmt.Errorf("merge gate: %w", err)
		}
		if state != StateSuccess {
			d.Reason = fmt.Sprintf("check %q on the head %s of pull request #%d is %s, not success",
				checkContext, short(pr.HeadSHA), pr.Number, firstNonEmpty(state, "missing"))
			return d, nil
		}
	}
	d.Allowed = true
	d.Reason = merged + ", approved by " + strings.Join(d.Approvers, ", ")
	return d, nil
}

// mergedInto returns the merged pull request into branch whose merge commit
// is sha (which may be abbreviated), or nil.
func mergedInto(prs []*PR, sha, branch string) *PR {
	for _, p := range prs {
		if p.Merged && p.BaseRef == branch && sameCommit(p.MergeCommitSHA, sha) {
			return p
		}
	}
	return nil
}

func notMergedReason(prs []*PR, sha, branch string) string {
	for _, p := range prs {
		if p.Merged && sameCommit(p.MergeCommitSHA, sha) {
			return fmt.Sprintf("commit %s is the merge of pull request #%d into %s, not into %s", short(sha), p.Number, p.BaseRef, branch)
		}
	}
	for _, p := range prs {
		if !p.Merged && p.State == "open" && sameCommit(p.HeadSHA, sha) {
			return fmt.Sprintf("commit %s is the head of pull request #%d, which is still open; it is not the merge of a pull request into %s",
				short(sha), p.Number, branch)
		}
	}
	return fmt.Sprintf("commit %s is not the merge of a pull request into %s", short(sha), branch)
}

func sameCommit(full, sha string) bool {
	return full != "" && len(sha) >= 7 && strings.HasPrefix(strings.ToLower(full), strings.ToLower(sha))
}
