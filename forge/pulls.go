package forge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// EnsurePR makes sure one open pull request from head into base exists with
// title and body: it updates the open one if there is one (never opening a
// second), else creates it. created says which. head is a branch of the
// repository ("mlcd/promote-churn-v3") or "user:branch" for a fork.
func (c *Client) EnsurePR(ctx context.Context, head, base, title, body string) (pr *PR, created bool, err error) {
	if head == "" || base == "" || strings.TrimSpace(title) == "" {
		return nil, false, fmt.Errorf("ensure pull request: %w: head, base and title are required", ErrBadArgument)
	}
	err = c.retryPost(ctx, func() error {
		pr, created, err = c.ensurePR(ctx, head, base, title, body)
		return err
	})
	return pr, created, err
}

func (c *Client) ensurePR(ctx context.Context, head, base, title, body string) (*PR, bool, error) {
	existing, err := c.findOpenPR(ctx, head, base)
	if err != nil {
		return nil, false, err
	}
	if existing != nil {
		pr, err := c.updatePR(ctx, existing, title, body)
		return pr, false, err
	}
	p, resp, err := c.gh.PullRequests.Create(ctx, c.owner, c.repo, &github.NewPullRequest{
		Title: &title, Head: &head, Base: &base, Body: &body,
	})
	if err != nil {
		err = c.apiError("create pull request from "+head+" into "+base, resp, err)
		// Someone opened it between our look and our create: update theirs.
		if errors.Is(err, ErrInvalid) && strings.Contains(err.Error(), "already exists") {
			if existing, ferr := c.findOpenPR(ctx, head, base); ferr == nil && existing != nil {
				pr, err := c.updatePR(ctx, existing, title, body)
				return pr, false, err
			}
		}
		return nil, false, err
	}
	c.log.Info("opened pull request", "number", p.GetNumber(), "head", head, "base", base)
	return toPR(p), true, nil
}

// findOpenPR returns the open pull request from head into base, or nil.
func (c *Client) findOpenPR(ctx context.Context, head, base string) (*PR, error) {
	qualified, ref := c.owner+":"+head, head
	if _, r, ok := strings.Cut(head, ":"); ok {
		qualified, ref = head, r
	}
	var found *PR
	err := eachPage(func(opt github.ListOptions) (*github.Response, error) {
		ps, resp, err := c.gh.PullRequests.List(ctx, c.owner, c.repo, &github.PullRequestListOptions{
			State: "open", Head: qualified, Base: base, ListOptions: opt,
		})
		if err != nil {
			return nil, c.apiError("list pull requests", resp, err)
		}
		for _, p := range ps {
			if found == nil && p.GetHead().GetRef() == ref && p.GetBase().GetRef() == base {
				found = toPR(p)
			}
		}
		if found != nil {
			resp.NextPage = 0
		}
		return resp, nil
	})
	return found, err
}

func (c *Client) updatePR(ctx context.Context, pr *PR, title, body string) (*PR, error) {
	if pr.Title == title && pr.Body == body {
		return pr, nil
	}
	p, resp, err := c.gh.PullRequests.Edit(ctx, c.owner, c.repo, pr.Number, &github.PullRequest{
		Title: &title, Body: &body,
	})
	if err != nil {
		return nil, c.apiError(fmt.Sprintf("update pull request #%d", pr.Number), resp, err)
	}
	c.log.Info("updated pull request", "number", pr.Number)
	return toPR(p), nil
}

// PullsForCommit lists the pull requests GitHub associates with sha: the
// merged one that brought it into the default branch (whose merge commit or
// squash commit it may be), or open ones whose branch contains it.
func (c *Client) PullsForCommit(ctx context.Context, sha string) ([]*PR, error) {
	if !validSHA(sha) {
		return nil, fmt.Errorf("pull requests for commit %q: %w: want a hex commit sha", sha, ErrBadArgument)
	}
	var out []*PR
	err := eachPage(func(opt github.ListOptions) (*github.Response, error) {
		ps, resp, err := c.gh.PullRequests.ListPullRequestsWithCommit(ctx, c.owner, c.repo, sha, &opt)
		if err != nil {
			return nil, c.apiError("pull requests for commit "+short(sha), resp, err)
		}
		for _, p := range ps {
			out = append(out, toPR(p))
		}
		return resp, nil
	})
	return out, err
}
