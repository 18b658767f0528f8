package fakegithub

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Failure is an answer the server gives instead of serving a request.
// Method and PathSuffix, when set, limit it to matching requests
// (PathSuffix is matched against the path without the base path).
type Failure struct {
	Status           int
	Header           http.Header
	Message          string
	DocumentationURL string
	Method           string
	PathSuffix       string
	// AfterServe makes the server carry the request out first, then answer
	// the failure: a 502 from a proxy after GitHub acted.
	AfterServe bool
	// Body, when set, is sent as is instead of GitHub's error JSON: a stale
	// "[]" list, say, to play a race.
	Body string
}

type queuedFailure struct {
	Failure
	left int
}

// FailNext makes the next n requests that match f answer with f.
// Failures queue: each request takes the first queued one it matches.
func (s *Server) FailNext(n int, f Failure) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &queuedFailure{Failure: f, left: n})
}

func (s *Server) nextFailure(method, path string) *Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, q := range s.failures {
		if q.Method != "" && q.Method != method {
			continue
		}
		if q.PathSuffix != "" && !strings.HasSuffix(path, q.PathSuffix) {
			continue
		}
		q.left--
		if q.left == 0 {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
		}
		f := q.Failure
		return &f
	}
	return nil
}

func (f Failure) write(w http.ResponseWriter, limit int) {
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Set(k, v)
		}
	}
	doc := f.DocumentationURL
	if doc == "" {
		doc = "https://docs.github.com/rest"
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	if f.Header.Get("X-RateLimit-Remaining") == "0" {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
		w.Header().Set("X-RateLimit-Used", strconv.Itoa(limit))
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	writeJSON(w, f.Status, errorJSON{Message: msg, DocumentationURL: doc})
}

// ServerError answers status (500, 502, 503, ...) as GitHub's front end does.
func ServerError(status int) Failure {
	return Failure{Status: status, Message: "Server Error"}
}

// RateLimited is GitHub's primary rate limit: 403 with
// X-RateLimit-Remaining: 0 and the reset time.
func RateLimited(reset time.Time) Failure {
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	return Failure{
		Status: http.StatusForbidden, Header: h,
		Message:          "API rate limit exceeded for user ID 1.",
		DocumentationURL: "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
	}
}

// SecondaryRateLimited is GitHub's secondary rate limit: status (403 or 429)
// with Retry-After in seconds.
func SecondaryRateLimited(status int, retryAfter time.Duration) Failure {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	return Failure{
		Status: status, Header: h,
		Message:          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
		DocumentationURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
	}
}

// Unauthorized is the answer to a bad or expired token.
func Unauthorized() Failure {
	return Failure{Status: http.StatusUnauthorized, Message: "Bad credentials"}
}

// NotFound is the answer for a repository that does not exist or that the
// token cannot see.
func NotFound() Failure {
	return Failure{Status: http.StatusNotFound, Message: "Not Found"}
}

// Forbidden is the answer to a token without a permission; GitHub names the
// permission in X-Accepted-GitHub-Permissions (e.g. "pull_requests=write").
func Forbidden(permission string) Failure {
	h := http.Header{}
	if permission != "" {
		h.Set("X-Accepted-GitHub-Permissions", permission)
	}
	return Failure{
		Status: http.StatusForbidden, Header: h,
		Message: "Resource not accessible by personal access token",
	}
}
