package forge

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// Commit status states.
const (
	StatePending = "pending"
	StateSuccess = "success"
	StateFailure = "failure"
	StateError   = "error"
)

// maxDescription is GitHub's limit on a status description, in characters.
const maxDescription = 140

// SetStatus sets the commit status contextName on sha. A description
// longer than GitHub's 140 characters is cut with an ellipsis; targetURL may
// be empty.
func (c *Client) SetStatus(ctx context.Context, sha, state, contextName, description, targetURL string) error {
	switch {
	case !validSHA(sha):
		return fmt.Errorf("set status: %w: commit %q is not a hex sha", ErrBadArgument, sha)
	case state != StatePending && state != StateSuccess && state != StateFailure && state != StateError:
		return fmt.Errorf("set status: %w: state %q (want pending, success, failure or error)", ErrBadArgument, state)
	case contextName == "":
		return fmt.Errorf("set status: %w: empty context", ErrBadArgument)
	}
	st := &github.RepoStatus{State: &state, Context: &contextName, Description: github.String(truncate(description, maxDescription))}
	if targetURL != "" {
		st.TargetURL = &targetURL
	}
	// A status is a new record each time and the latest per context wins,
	// so repeating the POST after a 5xx is harmless.
	return c.retryPost(ctx, func() error {
		_, resp, err := c.gh.Repositories.CreateStatus(ctx, c.owner, c.repo, sha, st)
		if err != nil {
			return c.apiError(fmt.Sprintf("set status %s on %s", contextName, short(sha)), resp, err)
		}
		c.log.Debug("set status", "sha", short(sha), "context", contextName, "state", state)
		return nil
	})
}

// CombinedStatus returns the state of status contextName on sha (its
// latest), or "" when there is none; with contextName "" it returns
// GitHub's combined state of every context.
func (c *Client) CombinedStatus(ctx context.Context, sha, contextName string) (string, error) {
	if !validSHA(sha) {
		return "", fmt.Errorf("combined status: %w: commit %q is not a hex sha", ErrBadArgument, sha)
	}
	var combined, state string
	err := eachPage(func(opt github.ListOptions) (*github.Response, error) {
		cs, resp, err := c.gh.Repositories.GetCombinedStatus(ctx, c.owner, c.repo, sha, &opt)
		if err != nil {
			return nil, c.apiError("combined status of "+short(sha), resp, err)
		}
		combined = cs.GetState()
		for _, st := range cs.Statuses {
			if st.GetContext() == contextName {
				state = st.GetState()
			}
		}
		return resp, nil
	})
	if err != nil || contextName == "" {
		return combined, err
	}
	return state, nil
}

// truncate cuts s to at most n characters, ending in "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// validSHA accepts an abbreviated or full hex commit id (SHA-1 or SHA-256).
func validSHA(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
