package gittest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ServeOptions configures Serve. The zero value serves without auth or
// delay.
type ServeOptions struct {
	// User and Password, when User is set, require HTTP basic auth: other
	// requests get 401 with a WWW-Authenticate header.
	User, Password string
	// Delay holds every request this long before answering (for timeout
	// tests). A client that gives up stops the wait.
	Delay time.Duration
}

// Request is one HTTP request the Server answered.
type Request struct {
	Method string
	Path   string // without the query
	Query  string
	Status int
	In     int64 // bytes of request body read
	Out    int64 // bytes of response body written
}

// Server serves the bare repositories under a root directory over HTTP on
// 127.0.0.1 with git http-backend, pushes included.
type Server struct {
	srv  *httptest.Server
	opts ServeOptions

	mu     sync.Mutex
	reqs   []Request
	stderr bytes.Buffer
}

// Serve starts a Server for the bare repositories under root; it stops when
// the test ends.
func Serve(t testing.TB, root string, opts ServeOptions) *Server {
	t.Helper()
	requireGit(t)
	execPath := Git(t, root, "--exec-path")
	s := &Server{opts: opts}
	backend := &cgi.Handler{
		Path:   filepath.Join(execPath, "git-http-backend"),
		Dir:    root,
		Stderr: (*stderrWriter)(s),
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_COUNT=1",
			"GIT_CONFIG_KEY_0=http.receivepack",
			"GIT_CONFIG_VALUE_0=true",
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.handler(backend)}}
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the URL of the repository at path repo under the root, e.g.
// srv.URL("repo.git"), without credentials.
func (s *Server) URL(repo string) string {
	return s.srv.URL + "/" + strings.TrimPrefix(repo, "/")
}

// AuthURL is URL with the server's user and password in it, as a person's
// clone would use.
func (s *Server) AuthURL(repo string) string {
	if s.opts.User == "" {
		return s.URL(repo)
	}
	return strings.Replace(s.URL(repo), "http://", "http://"+s.opts.User+":"+s.opts.Password+"@", 1)
}

// Requests returns a copy of the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Reset forgets the requests answered so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Stderr returns what git http-backend wrote to its standard error (e.g.
// why receive-pack refused an update).
func (s *Server) Stderr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

type stderrWriter Server

func (w *stderrWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.Write(p)
}

// UploadPackPosts counts the fetch negotiations (POST .../git-upload-pack)
// in reqs and the bytes they moved in both directions.
func UploadPackPosts(reqs []Request) (n int, bytes int64) {
	for _, r := range reqs {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/git-upload-pack") {
			n++
			bytes += r.In + r.Out
		}
	}
	return n, bytes
}

func (s *Server) handler(backend http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := &countingReader{r: r.Body}
		r.Body = body
		cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.record(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
				Status: cw.status, In: body.n, Out: cw.n})
		}()
		if s.opts.Delay > 0 {
			select {
			case <-time.After(s.opts.Delay):
			case <-r.Context().Done():
				cw.status = 499 // the client went away
				return
			}
		}
		if s.opts.User != "" {
			user, pass, ok := r.BasicAuth()
			if !ok || user != s.opts.User || pass != s.opts.Password {
				cw.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
				http.Error(cw, "authentication required", http.StatusUnauthorized)
				return
			}
		}
		backend.ServeHTTP(cw, r)
	})
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r)
}

type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

type countingWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}
