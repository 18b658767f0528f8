package forge

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// The classes of failure. An *APIError wraps exactly one of them.
var (
	// ErrUnauthorized: GitHub rejected the token (401).
	ErrUnauthorized = errors.New("GitHub rejected the token (401): check GITHUB_TOKEN")
	// ErrForbidden: the token lacks a permission (403 without a rate limit).
	ErrForbidden = errors.New("GitHub refused the request (403)")
	// ErrNotFound: the repository or object does not exist or the token cannot see it.
	ErrNotFound = errors.New("not found (404)")
	// ErrRateLimited: a primary or secondary rate limit, still in force after retries.
	ErrRateLimited = errors.New("GitHub rate limit exceeded")
	// ErrServer: GitHub answered 5xx after retries; worth retrying later.
	ErrServer = errors.New("GitHub server error")
	// ErrInvalid: GitHub rejected the request's content (422).
	ErrInvalid = errors.New("GitHub rejected the request (422)")
	// ErrBadArgument: the caller passed an argument forge refuses to send.
	ErrBadArgument = errors.New("bad argument")
	// ErrTooManyReviews: a pull request has more reviews than forge reads,
	// so its latest reviews are unknown.
	ErrTooManyReviews = errors.New("too many reviews to judge")
)

// APIError is a failed GitHub API call: what mlcd was doing, GitHub's answer
// and, when GitHub says, the permission missing or when a rate limit resets.
type APIError struct {
	Op         string // what forge was doing: "create pull request"
	Repo       string // owner/repo
	Status     int    // HTTP status; 0 when GitHub was not reached
	Message    string // GitHub's message
	Permission string // X-Accepted-GitHub-Permissions or X-Accepted-OAuth-Scopes
	Reset      time.Time
	kind       error
	method     string // of the request that failed
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case errors.Is(e.kind, ErrNotFound):
		fmt.Fprintf(&b, "repository %s not found or the token cannot see it (404)", e.Repo)
		if e.Message != "" && e.Message != "Not Found" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
		return b.String()
	case errors.Is(e.kind, ErrForbidden) && e.Permission != "":
		fmt.Fprintf(&b, "%s: the token needs %s", e.kind, e.Permission)
	case errors.Is(e.kind, ErrRateLimited) && !e.Reset.IsZero():
		fmt.Fprintf(&b, "%s until %s", e.kind, e.Reset.UTC().Format(time.RFC3339))
	case errors.Is(e.kind, ErrServer):
		fmt.Fprintf(&b, "%s (%d)", e.kind, e.Status)
	default:
		b.WriteString(e.kind.Error())
	}
	if e.Message != "" && !errors.Is(e.kind, ErrUnauthorized) {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

// Unwrap returns the class: errors.Is(err, forge.ErrNotFound).
func (e *APIError) Unwrap() error { return e.kind }

// apiError turns go-github's answer into an *APIError, or wraps a transport
// or context error with op.
func (c *Client) apiError(op string, resp *github.Response, err error) error {
	if err == nil {
		return nil
	}
	if resp == nil || resp.Response == nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := &APIError{Op: op, Repo: c.owner + "/" + c.repo, Status: resp.StatusCode}
	if resp.Request != nil {
		e.method = resp.Request.Method
	}
	e.Message, e.Reset = details(err)
	h := resp.Header
	switch code := resp.StatusCode; {
	case isRateLimit(err, code, h):
		e.kind = ErrRateLimited
	case code == http.StatusUnauthorized:
		e.kind = ErrUnauthorized
	case code == http.StatusForbidden:
		e.kind = ErrForbidden
		e.Permission = firstNonEmpty(h.Get("X-Accepted-GitHub-Permissions"), h.Get("X-Accepted-OAuth-Scopes"))
	case code == http.StatusNotFound:
		e.kind = ErrNotFound
	case code == http.StatusUnprocessableEntity:
		e.kind = ErrInvalid
	case code >= 500:
		e.kind = ErrServer
	default:
		e.kind = fmt.Errorf("GitHub answered %d", code)
	}
	return e
}

func isRateLimit(err error, code int, h http.Header) bool {
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &rl) || errors.As(err, &abuse) {
		return true
	}
	return (code == http.StatusTooManyRequests || code == http.StatusForbidden) &&
		(h.Get("X-RateLimit-Remaining") == "0" || h.Get("Retry-After") != "")
}

// details extracts GitHub's message (with its field errors) and the time a
// rate limit resets.
func details(err error) (msg string, reset time.Time) {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return rl.Message, rl.Rate.Reset.Time
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		if abuse.RetryAfter != nil {
			reset = time.Now().Add(*abuse.RetryAfter)
		}
		return abuse.Message, reset
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) {
		return "", time.Time{}
	}
	var parts []string
	for _, p := range append([]string{er.Message}, fieldErrors(er.Errors)...) {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; "), time.Time{}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func fieldErrors(errs []github.Error) []string {
	out := make([]string, 0, len(errs))
	for _, fe := range errs {
		out = append(out, firstNonEmpty(fe.Message, strings.TrimSpace(fe.Field+" "+fe.Code)))
	}
	return out
}
