package forge

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Approval is what a pull request's reviews say about its head commit.
type Approval struct {
	Head string // the head commit the reviews were judged against
	// Approvers are the reviewers whose latest deciding review approves
	// Head, the author excepted, sorted.
	Approvers []string
	// Stale are the reviewers whose latest deciding review approves
	// another commit (pushed over since), by login.
	Stale []StaleApproval
}

// StaleApproval is an approval of a commit that is not the head.
type StaleApproval struct {
	Login  string
	Commit string // the commit approved; "" when GitHub no longer has it
}

// Approvals returns what the reviews of pull request number say about its
// head commit head: each reviewer's latest APPROVED, CHANGES_REQUESTED or
// DISMISSED review decides (COMMENTED reviews change nothing, as on
// GitHub), an approval counts only when its commit_id is head (an approval
// followed by new pushes does not approve what was pushed), and reviews by
// author (the pull request's author) never count. An empty author or head
// is looked up.
func (c *Client) Approvals(ctx context.Context, number int, author, head string) (Approval, error) {
	if number <= 0 {
		return Approval{}, fmt.Errorf("approvals: %w: pull request number %d", ErrBadArgument, number)
	}
	if author == "" || head == "" {
		p, resp, err := c.gh.PullRequests.Get(ctx, c.owner, c.repo, number)
		if err != nil {
			return Approval{}, c.apiError(fmt.Sprintf("get pull request #%d", number), resp, err)
		}
		author = firstNonEmpty(author, p.GetUser().GetLogin())
		head = firstNonEmpty(head, p.GetHead().GetSHA())
	}
	latest := map[string]*github.PullRequestReview{} // lower-case login -> deciding review
	pages, more := 0, false
	err := eachPage(func(opt github.ListOptions) (*github.Response, error) {
		rs, resp, err := c.gh.PullRequests.ListReviews(ctx, c.owner, c.repo, number, &opt)
		if err != nil {
			return nil, c.apiError(fmt.Sprintf("list reviews of pull request #%d", number), resp, err)
		}
		for _, r := range rs { // GitHub lists reviews oldest first
			switch r.GetState() {
			case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
				latest[strings.ToLower(r.GetUser().GetLogin())] = r
			}
		}
		pages, more = pages+1, resp.NextPage > opt.Page
		return resp, nil
	})
	if err != nil {
		return Approval{}, err
	}
	if more && pages >= maxPages {
		// The latest reviews are on pages not read: judging the earlier
		// ones could count an approval withdrawn since.
		return Approval{}, fmt.Errorf("approvals: pull request #%d has more than %d pages of reviews: %w", number, maxPages, ErrTooManyReviews)
	}
	return judgeReviews(latest, author, head), nil
}

// judgeReviews sorts each reviewer's deciding review into an approval of
// head, a stale approval, or neither.
func judgeReviews(latest map[string]*github.PullRequestReview, author, head string) Approval {
	a := Approval{Head: head, Approvers: []string{}}
	for key, r := range latest {
		if r.GetState() != "APPROVED" || strings.EqualFold(key, author) {
			continue
		}
		login := r.GetUser().GetLogin()
		if head != "" && strings.EqualFold(r.GetCommitID(), head) {
			a.Approvers = append(a.Approvers, login)
		} else {
			a.Stale = append(a.Stale, StaleApproval{Login: login, Commit: r.GetCommitID()})
		}
	}
	sort.Strings(a.Approvers)
	sort.Slice(a.Stale, func(i, j int) bool { return a.Stale[i].Login < a.Stale[j].Login })
	return a
}
