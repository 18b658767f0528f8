package forge

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/internal/backoff"
)

// retryTransport retries a request that GitHub refused for a rate limit
// (any method: GitHub did not act on it) or answered with a 5xx or not at all
// (idempotent methods only: a POST that got a 502 may have been carried out,
// so the operations that POST re-check before trying again).
type retryTransport struct {
	next       http.RoundTripper
	maxRetries int
	maxWait    time.Duration // the longest single wait; a longer rate limit is returned at once
	baseDelay  time.Duration
	log        *slog.Logger
	now        func() time.Time
	sleep      func(ctx context.Context, d time.Duration) error
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		wait, why := t.retryAfter(req, resp, err, attempt)
		t.log.Debug("github request", "method", req.Method, "path", req.URL.Path,
			"status", statusOf(resp), "attempt", attempt+1)
		if why == "" || attempt >= t.maxRetries || !rewindable(req) {
			return resp, err
		}
		if resp != nil {
			drain(resp)
		}
		t.log.Warn("retrying github request", "method", req.Method, "path", req.URL.Path,
			"reason", why, "wait", wait.Round(time.Millisecond), "attempt", attempt+1)
		if serr := t.sleep(req.Context(), wait); serr != nil {
			return nil, serr
		}
		if req, err = rewind(req); err != nil {
			return nil, err
		}
	}
}

// retryAfter says whether to retry and after how long; why is "" for no.
func (t *retryTransport) retryAfter(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, string) {
	if err != nil {
		if req.Context().Err() != nil || !idempotent(req.Method) {
			return 0, ""
		}
		return t.backoff(attempt), "network error"
	}
	if wait, ok := rateLimitWait(resp, t.now()); ok {
		if wait > t.maxWait {
			return 0, "" // too long to hold the caller: report ErrRateLimited with its reset time
		}
		return wait + jitter(wait/10), "rate limited"
	}
	if resp.StatusCode >= 500 && idempotent(req.Method) {
		return t.backoff(attempt), "server error " + strconv.Itoa(resp.StatusCode)
	}
	return 0, ""
}

// backoff is the wait after attempt (from 0): doubling from baseDelay,
// capped at maxWait, with jitter in [d/2, d) so that clients that failed
// together do not retry together.
func (t *retryTransport) backoff(attempt int) time.Duration {
	p := backoff.Policy{First: t.baseDelay, Factor: 2, Max: t.maxWait}
	return p.Delay(attempt+1, rand.Float64)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// rateLimitWait recognises GitHub's rate limits: 403 or 429 with Retry-After
// (secondary), with X-RateLimit-Remaining: 0 and X-RateLimit-Reset
// (primary), or a 403/429 whose message names a secondary rate limit, which
// GitHub says to wait at least a minute for.
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			return seconds(secs), true
		}
		if at, err := http.ParseTime(v); err == nil {
			return seconds(at.Unix() - now.Unix()), true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return seconds(reset-now.Unix()) + time.Second, true
		}
	}
	if bodyMentions(resp, "secondary rate limit") || resp.StatusCode == http.StatusTooManyRequests {
		return time.Minute, true
	}
	return 0, false
}

// seconds is n seconds, clamped to [0, 24h] so that a wild header cannot
// overflow a Duration.
func seconds(n int64) time.Duration {
	const limit = 24 * 60 * 60
	return time.Duration(min(max(n, 0), limit)) * time.Second
}

// bodyMentions reads up to 64 KiB of the body, puts it back, and reports
// whether it contains s (case-insensitively).
func bodyMentions(resp *http.Response, s string) bool {
	if resp.Body == nil {
		return false
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
	return err == nil && strings.Contains(strings.ToLower(string(data)), s)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}
