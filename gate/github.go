package gate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mlcd-dev/mlcd/forge"
)

// Checker is what the gate asks GitHub about a merge: the pull requests of
// a commit, what their reviews say of a head, and a commit's statuses, as
// data; *forge.Client is one. The gate decides from them (askGitHub).
type Checker interface {
	PullsForCommit(ctx context.Context, sha string) ([]*forge.PR, error)
	Approvals(ctx context.Context, number int, author, head string) (forge.Approval, error)
	CombinedStatus(ctx context.Context, sha, contextName string) (string, error)
}

// errNotGitHub: askGitHub was given a deploy.require that GitHub does not
// decide.
var errNotGitHub = errors.New("not checked through GitHub")

// prDecision is what GitHub says of one commit under approved-pr or
// merged-pr.
type prDecision struct {
	Allowed bool
	// Reason says why, for people: "commit abc1234 is not the merge of a
	// pull request into main".
	Reason    string
	PR        *forge.PR // the merged pull request, when one was found
	Approvers []string  // who approves it, under approved-pr
}

// askGitHub decides whether commit sha on branch may deploy under require:
// sha must be the merge commit (merge, squash or rebase) of a merged pull
// request whose base is branch; under approved-pr that pull request also
// needs at least approvals (at least 1) approving reviews of its head
// commit, as merged, by people other than its author (an approval followed
// by new pushes does not count), and, when checkContext is not empty, that
// status green on its head commit. A refusal is a prDecision, not an
// error; errors are failures to ask GitHub.
func askGitHub(ctx context.Context, gh Checker, sha, branch, require string, approvals int, checkContext string) (prDecision, error) {
	if require != RequireApprovedPR && require != RequireMergedPR {
		return prDecision{}, fmt.Errorf("merge gate: require %q is %w (want %s or %s)",
			require, errNotGitHub, RequireApprovedPR, RequireMergedPR)
	}
	if branch == "" {
		return prDecision{}, errors.New("merge gate: empty branch")
	}
	prs, err := gh.PullsForCommit(ctx, sha)
	if err != nil {
		return prDecision{}, fmt.Errorf("merge gate: %w", err)
	}
	pr := mergedInto(prs, sha, branch)
	if pr == nil {
		return prDecision{Reason: notMergedReason(prs, sha, branch)}, nil
	}
	d := prDecision{PR: pr}
	merged := fmt.Sprintf("commit %s is the merge of pull request #%d into %s", short(sha), pr.Number, branch)
	if require == RequireMergedPR {
		d.Allowed, d.Reason = true, merged
		return d, nil
	}
	a, err := gh.Approvals(ctx, pr.Number, pr.Author, pr.HeadSHA)
	if err != nil {
		return prDecision{}, fmt.Errorf("merge gate: %w", err)
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
		state, err := gh.CombinedStatus(ctx, pr.HeadSHA, checkContext)
		if err != nil {
			return prDecision{}, fmt.Errorf("merge gate: %w", err)
		}
		if state != forge.StateSuccess {
			if state == "" {
				state = "missing"
			}
			d.Reason = fmt.Sprintf("check %q on the head %s of pull request #%d is %s, not success",
				checkContext, short(pr.HeadSHA), pr.Number, state)
			return d, nil
		}
	}
	d.Allowed = true
	d.Reason = merged + ", approved by " + strings.Join(d.Approvers, ", ")
	return d, nil
}

// mergedInto returns the merged pull request into branch whose merge commit
// is sha (which may be abbreviated), or nil.
func mergedInto(prs []*forge.PR, sha, branch string) *forge.PR {
	for _, p := range prs {
		if p.Merged && p.BaseRef == branch && sameCommit(p.MergeCommitSHA, sha) {
			return p
		}
	}
	return nil
}

func notMergedReason(prs []*forge.PR, sha, branch string) string {
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

// staleReason says, for people, why stale approvals do not count:
// "bob's approval was for commit ddddddd, not the head eeeeeee".
func staleReason(stale []forge.StaleApproval, head string) string {
	parts := make([]string, len(stale))
	for i, s := range stale {
		what := "commit " + short(s.Commit)
		if s.Commit == "" {
			what = "a commit GitHub no longer has"
		}
		parts[i] = fmt.Sprintf("%s's approval was for %s, not the head %s", s.Login, what, short(head))
	}
	return strings.Join(parts, "; ")
}
