package forge

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/go-github/v60/github"
)

// maxPages bounds a listing: 100 pages of 100 items.
const maxPages = 100

// eachPage calls list for page 1, 2, ... while GitHub's Link header names a
// next page.
func eachPage(list func(opt github.ListOptions) (*github.Response, error)) error {
	opt := github.ListOptions{PerPage: 100}
	for range maxPages {
		resp, err := list(opt)
		if err != nil {
			return err
		}
		if resp.NextPage <= opt.Page {
			return nil
		}
		opt.Page = resp.NextPage
	}
	return nil
}

// retryPost re-runs op, a find-then-create, when its POST got a 5xx: GitHub
// may have carried the request out before failing, so the next pass looks
// again instead of sending the same POST blindly.
func (c *Client) retryPost(ctx context.Context, op func() error) error {
	for attempt := 0; ; attempt++ {
		err := op()
		var ae *APIError
		if err == nil || !errors.As(err, &ae) || !errors.Is(err, ErrServer) ||
			ae.method != http.MethodPost || attempt >= c.retry.maxRetries {
			return err
		}
		wait := c.retry.backoff(attempt)
		c.log.Warn("retrying after a failed create", "op", ae.Op, "status", ae.Status, "wait", wait, "attempt", attempt+1)
		if err := c.retry.sleep(ctx, wait); err != nil {
			return err
		}
	}
}
