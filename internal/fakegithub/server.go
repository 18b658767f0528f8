package fakegithub

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value serves octo/repo under /api/v3/
// and accepts any token.
type Options struct {
	Owner    string // default "octo"
	Repo     string // default "repo"
	BasePath string // default "/api/v3/"
	// Token, when set, is the only credential accepted, as
	// "Authorization: Bearer <Token>" or "Authorization: token <Token>".
	Token string
	// Login is the user the token belongs to: the author of what the API
	// creates. Default "mlcd-bot".
	Login string
	// RateLimit is the X-RateLimit-Limit sent on every response; default 5000.
	// Once a window's requests reach it, the server answers 403 rate limited.
	RateLimit int
}

// Request is one request the server received, as the client sent it.
type Request struct {
	Method string
	Path   string // without the base path: /repos/octo/repo/pulls
	Query  string // raw query
	Header http.Header
	Body   []byte
	Status int // what the server answered
}

// Server is a fake GitHub. Its methods are safe for concurrent use.
type Server struct {
	opts Options
	srv  *httptest.Server

	reqMu    sync.Mutex // guards requests only: handlers answer while holding mu
	requests []Request

	mu        sync.Mutex
	state     state
	failures  []*queuedFailure
	used      int
	windowEnd time.Time
	resolve   func(branch string) (sha string, ok bool)
}

// New starts a Server; Close stops it.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{opts: opts, state: newState()}
	mux := http.NewServeMux()
	s.routes(mux)
	prefix := strings.TrimSuffix(opts.BasePath, "/")
	s.srv = httptest.NewServer(s.middleware(http.StripPrefix(prefix, mux)))
	return s
}

// Start is New for a test: the server is closed when the test ends.
func Start(t interface{ Cleanup(func()) }, opts Options) *Server {
	s := New(opts)
	t.Cleanup(s.Close)
	return s
}

func (o Options) withDefaults() Options {
	if o.Owner == "" {
		o.Owner = "octo"
	}
	if o.Repo == "" {
		o.Repo = "repo"
	}
	if o.BasePath == "" {
		o.BasePath = "/api/v3/"
	}
	if !strings.HasPrefix(o.BasePath, "/") {
		o.BasePath = "/" + o.BasePath
	}
	if !strings.HasSuffix(o.BasePath, "/") {
		o.BasePath += "/"
	}
	if o.Login == "" {
		o.Login = "mlcd-bot"
	}
	if o.RateLimit <= 0 {
		o.RateLimit = 5000
	}
	return o
}

// URL is the API base URL with its trailing slash: http://127.0.0.1:port/api/v3/.
func (s *Server) URL() string { return s.srv.URL + s.opts.BasePath }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Owner and Repo name the one repository the server knows.
func (s *Server) Owner() string { return s.opts.Owner }

// Repo is the repository's name.
func (s *Server) Repo() string { return s.opts.Repo }

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// middleware records the request, sends the rate-limit headers, serves a
// programmed failure, then checks the token before the API sees the request.
// The record is complete before the client can read the answer, so a test
// sees every request its client call made.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		path := "/" + strings.TrimPrefix(r.URL.Path, s.opts.BasePath)
		s.reqMu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: path, Query: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body,
		})
		rec := &statusRecorder{ResponseWriter: w, s: s, index: len(s.requests) - 1}
		s.reqMu.Unlock()
		limited := s.countRequest(rec.Header())
		if !strings.HasPrefix(r.URL.Path, s.opts.BasePath) {
			writeMessage(rec, http.StatusNotFound, "Not Found")
			return
		}
		if f := s.nextFailure(r.Method, path); f != nil {
			if f.AfterServe && s.authorized(r) {
				next.ServeHTTP(httptest.NewRecorder(), r)
			}
			f.write(rec, s.opts.RateLimit)
			return
		}
		if limited {
			RateLimited(s.windowReset()).write(rec, s.opts.RateLimit)
			return
		}
		if !s.authorized(r) {
			writeMessage(rec, http.StatusUnauthorized, "Bad credentials")
			return
		}
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	auth := r.Header.Get("Authorization")
	return auth == "Bearer "+s.opts.Token || auth == "token "+s.opts.Token
}

// countRequest sets the X-RateLimit-* headers and reports whether the
// window's limit was already spent before this request.
func (s *Server) countRequest(h http.Header) (limited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.After(s.windowEnd) {
		s.windowEnd = now.Add(time.Hour).Truncate(time.Second)
		s.used = 0
	}
	limited = s.used >= s.opts.RateLimit
	if !limited {
		s.used++
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.RateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.opts.RateLimit-s.used))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.windowEnd.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	return limited
}

func (s *Server) windowReset() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.windowEnd
}

// statusRecorder stores the answer's status in the request's record before
// the answer leaves.
type statusRecorder struct {
	http.ResponseWriter
	s       *Server
	index   int
	written bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.written {
		return
	}
	r.written = true
	r.s.reqMu.Lock()
	r.s.requests[r.index].Status = code
	r.s.reqMu.Unlock()
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.ResponseWriter.Write(p)
}

// writeJSON answers v as GitHub does: JSON with a charset.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeMessage answers GitHub's error shape: {"message": ..., "documentation_url": ...}.
func writeMessage(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, errorJSON{Message: message, DocumentationURL: "https://docs.github.com/rest"})
}

type errorJSON struct {
	Message          string       `json:"message"`
	Errors           []fieldError `json:"errors,omitempty"`
	DocumentationURL string       `json:"documentation_url"`
}

type fieldError struct {
	Resource string `json:"resource"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
}

// writeInvalid answers 422 Validation Failed with one field error.
func writeInvalid(w http.ResponseWriter, fe fieldError) {
	writeJSON(w, http.StatusUnprocessableEntity, errorJSON{
		Message: "Validation Failed", Errors: []fieldError{fe},
		DocumentationURL: "https://docs.github.com/rest",
	})
}
