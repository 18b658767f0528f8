package forge

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/fakegithub"
)

func TestClient_retriesServerErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.gh.FailNext(2, fakegithub.ServerError(http.StatusBadGateway))
	h.gh.FailNext(1, fakegithub.ServerError(http.StatusServiceUnavailable))
	got, err := h.client.PullsForCommit(context.Background(), sha('a'))
	if err != nil {
		t.Fatalf("after three 5xx: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("got %d PRs", len(got))
	}
	waits := h.recordedWaits()
	if len(waits) != 3 {
		t.Fatalf("waits %v, want 3", waits)
	}
	// Exponential from 500ms with jitter in [d/2, d).
	for i, w := range waits {
		d := 500 * time.Millisecond << i
		if w < d/2 || w >= d {
			t.Errorf("wait %d = %v, want in [%v, %v)", i, w, d/2, d)
		}
	}
	if !strings.Contains(h.logs.String(), "retrying github request") {
		t.Errorf("no retry logged:\n%s", h.logs.String())
	}
}

func TestClient_serverErrorsExhausted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.gh.FailNext(100, fakegithub.ServerError(http.StatusInternalServerError))
	_, err := h.client.CombinedStatus(context.Background(), sha('a'), "mlcd")
	if !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v, want ErrServer", err)
	}
	if n := len(h.gh.Requests()); n != 5 {
		t.Errorf("%d requests, want 1 + 4 retries", n)
	}
}

func TestClient_retriesRateLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		failure  fakegithub.Failure
		min, max time.Duration
	}{
		{"primary 403", fakegithub.RateLimited(time.Now().Add(90 * time.Second)), 60 * time.Second, 101 * time.Second},
		{"secondary 403 Retry-After", fakegithub.SecondaryRateLimited(http.StatusForbidden, 30*time.Second), 30 * time.Second, 33 * time.Second},
		{"secondary 429 Retry-After", fakegithub.SecondaryRateLimited(http.StatusTooManyRequests, 5*time.Second), 5 * time.Second, 6 * time.Second},
		{"secondary without headers", fakegithub.Failure{Status: http.StatusForbidden, Message: "You have exceeded a secondary rate limit."}, time.Minute, 66 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.gh.SetBranch("main", sha('a'))
			h.gh.SetBranch("topic", sha('b'))
			// Rate-limited requests were not acted on, so even the POST is retried.
			f := tt.failure
			f.Method = "POST"
			h.gh.FailNext(1, f)
			if _, _, err := h.client.EnsurePR(context.Background(), "topic", "main", "t", "b"); err != nil {
				t.Fatal(err)
			}
			waits := h.recordedWaits()
			if len(waits) != 1 || waits[0] < tt.min || waits[0] > tt.max {
				t.Errorf("waits %v, want one in [%v, %v]", waits, tt.min, tt.max)
			}
			if n := len(h.gh.PRs()); n != 1 {
				t.Errorf("%d PRs, want 1", n)
			}
		})
	}
}

// A rate limit that resets later than MaxWait is returned at once, with the
// reset time, for the caller to come back later.
func TestClient_rateLimitBeyondMaxWait(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	h.gh.FailNext(1, fakegithub.RateLimited(reset))
	_, err := h.client.PullsForCommit(context.Background(), sha('a'))
	var ae *APIError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an *APIError wrapping ErrRateLimited", err)
	}
	if !ae.Reset.Equal(reset) {
		t.Errorf("reset %v, want %v", ae.Reset, reset)
	}
	if n := len(h.recordedWaits()); n != 0 {
		t.Errorf("%d waits, want none", n)
	}
}

func TestClient_errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		failure fakegithub.Failure
		is      error
		text    []string
	}{
		{"401", fakegithub.Unauthorized(), ErrUnauthorized, []string{"GitHub rejected the token (401): check GITHUB_TOKEN"}},
		{"403 names the permission", fakegithub.Forbidden("pull_requests=write"), ErrForbidden,
			[]string{"(403)", "the token needs pull_requests=write", "Resource not accessible"}},
		{"403 without a permission header", fakegithub.Forbidden(""), ErrForbidden, []string{"(403)", "Resource not accessible"}},
		{"404 names the repository", fakegithub.NotFound(), ErrNotFound, []string{"repository octo/repo not found or the token cannot see it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.gh.FailNext(1, tt.failure)
			err := h.client.SetStatus(context.Background(), sha('a'), StateSuccess, "mlcd", "", "")
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			for _, s := range tt.text {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error contains the token: %q", err)
			}
			if n := len(h.gh.Requests()); n != 1 {
				t.Errorf("%d requests, want 1 (not retried)", n)
			}
		})
	}
}

// A token the server does not accept is refused by the server itself, not
// only by a programmed failure.
func TestClient_wrongToken(t *testing.T) {
	t.Parallel()
	gh := fakegithub.Start(t, fakegithub.Options{Token: "right"})
	c, err := New(Options{BaseURL: gh.URL(), Token: testToken, Owner: "octo", Repo: "repo"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PullsForCommit(context.Background(), sha('a'))
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "GITHUB_TOKEN") || strings.Contains(err.Error(), testToken) {
		t.Errorf("err = %v", err)
	}
	c2, err := New(Options{BaseURL: gh.URL(), Token: "right", Owner: "octo", Repo: "missing"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.PullsForCommit(context.Background(), sha('a'))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "octo/missing") {
		t.Errorf("err = %v, want ErrNotFound naming octo/missing", err)
	}
}

// A retry wait ends when the context does.
func TestClient_retryWaitStopsOnCancel(t *testing.T) {
	t.Parallel()
	gh := fakegithub.Start(t, fakegithub.Options{})
	gh.FailNext(100, fakegithub.ServerError(http.StatusBadGateway))
	c, err := New(Options{BaseURL: gh.URL(), Owner: "octo", Repo: "repo", MaxWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c.retry.baseDelay = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.PullsForCommit(ctx, sha('a'))
		done <- err
	}()
	for len(gh.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("PullsForCommit still waiting 30s after cancel")
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base, want string
		ok         bool
	}{
		{"", "https://api.github.com/", true},
		{"https://api.github.com", "https://api.github.com/", true},
		{"https://ghe.example.com", "https://ghe.example.com/api/v3/", true},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", true},
		{"http://127.0.0.1:8080/api/v3/", "http://127.0.0.1:8080/api/v3/", true},
		{"ghe.example.com", "", false},
		{"ftp://ghe.example.com/", "", false},
		{"https://user:pw@ghe.example.com/", "", false},
	}
	for _, tt := range tests {
		c, err := New(Options{BaseURL: tt.base, Owner: "octo", Repo: "repo"})
		if (err == nil) != tt.ok {
			t.Errorf("New(BaseURL %q): err = %v, want ok=%v", tt.base, err, tt.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrBadArgument) || strings.Contains(err.Error(), "pw") {
				t.Errorf("New(BaseURL %q): err = %v", tt.base, err)
			}
			continue
		}
		if got := c.gh.BaseURL.String(); got != tt.want {
			t.Errorf("New(BaseURL %q): base %q, want %q", tt.base, got, tt.want)
		}
	}
	if _, err := New(Options{Owner: "octo", Repo: ""}); !errors.Is(err, ErrBadArgument) {
		t.Errorf("empty repo: err = %v", err)
	}
}

func FuzzRateLimitWait(f *testing.F) {
	f.Add(403, "30", "", "")
	f.Add(429, "", "0", "1700000000")
	f.Add(403, "Wed, 21 Oct 2015 07:28:00 GMT", "", "")
	f.Add(403, "-5", "0", "-1")
	f.Add(500, "1", "0", "1")
	f.Fuzz(func(t *testing.T, status int, retryAfter, remaining, reset string) {
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: http.NoBody}
		resp.Header.Set("Retry-After", retryAfter)
		resp.Header.Set("X-RateLimit-Remaining", remaining)
		resp.Header.Set("X-RateLimit-Reset", reset)
		wait, ok := rateLimitWait(resp, time.Unix(1_700_000_000, 0))
		if wait < 0 {
			t.Fatalf("negative wait %v", wait)
		}
		if ok && status != http.StatusForbidden && status != http.StatusTooManyRequests {
			t.Fatalf("status %d taken for a rate limit", status)
		}
	})
}
