package tracking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Environment variables a task gets.
const (
	EnvTrackingURI    = "MLFLOW_TRACKING_URI"
	EnvExperimentName = "MLFLOW_EXPERIMENT_NAME"
)

// Options configure a Server. Pipeline is required.
type Options struct {
	Pipeline string // the pipeline's name: the default experiment
	RunID    string // the mlcd run these sessions belong to
	// Dir is the checkout the run uses; past runs (runs/) and the registry
	// (models/) are read from it. "" reads nothing.
	Dir    string
	Logger *slog.Logger
	Addr   string // listen address; "" is 127.0.0.1:0
}

// Server serves the MLflow REST API for the tasks of one pipeline run.
type Server struct {
	opts    Options
	log     *slog.Logger
	ln      net.Listener
	srv     *http.Server
	base    string
	served  chan error
	routes  map[string]handler
	started time.Time

	mu       sync.RWMutex
	sessions map[string]*Session // by token
	runs     map[string]*liveRun // by MLflow run id
	exps     *experiments        // guarded by mu
	reg      *registrations      // guarded by mu
	pastOnce sync.Once           // loads past
	past     *pastRuns           // the checkout's records
}

// handler serves one endpoint; sess is the caller's session (nil when the
// URL carries no token).
type handler func(s *Server, sess *Session, q *request) (any, error)

// New returns a server that is not listening yet.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger.With("component", "tracking"),
		sessions: map[string]*Session{},
		runs:     map[string]*liveRun{},
		started:  time.Now(),
	}
	s.exps = newExperiments(opts.Pipeline, s.started)
	s.reg = newRegistrations()
	s.routes = routes()
	return s
}

// Start listens on the loopback address and serves until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("tracking server: %w", err)
	}
	s.ln = ln
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.served = make(chan error, 1)
	go func() { s.served <- s.srv.Serve(ln) }()
	return nil
}

// URL is the server's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return s.base }

// Close stops the server, letting calls in flight finish for up to the
// context's deadline.
func (s *Server) Close(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if serr := <-s.served; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	return err
}

// Task is what the executor tells the server about one attempt.
type Task struct {
	Name     string
	Attempt  int
	OutDir   string              // MLCD_OUT of the attempt: artifacts go under mlflow/<run-id>/
	Model    *pipeline.ModelSpec // the task's model: block, nil when it has none
	Recorder Recorder
}

// Session is one task attempt's use of the server.
type Session struct {
	srv   *Server
	token string
	task  Task

	mu     sync.Mutex // serializes the session's records; guards the rest
	closed bool
	runs   []*liveRun
	model  string // the model this attempt registered, "" for none

	uploads sync.WaitGroup // artifact writes in flight
}

// Open starts the session of one attempt.
func (s *Server) Open(t Task) *Session {
	var b [16]byte
	_, _ = rand.Read(b[:])
	sess := &Session{srv: s, token: hex.EncodeToString(b[:]), task: t}
	s.mu.Lock()
	s.sessions[sess.token] = sess
	s.mu.Unlock()
	return sess
}

// URI is the attempt's MLFLOW_TRACKING_URI.
func (ss *Session) URI() string { return ss.srv.base + "/t/" + ss.token }

// Env returns the attempt's own MLflow variable, its tracking URI; set it
// after the task's env: so that the task always talks to mlcd.
func (ss *Session) Env() []string {
	return []string{EnvTrackingURI + "=" + ss.URI()}
}

// DefaultEnv is what every task of the run shares (a task's env: may
// override it): the pipeline's name as the default experiment.
func (s *Server) DefaultEnv() []string {
	return []string{EnvExperimentName + "=" + s.opts.Pipeline}
}

// Close ends the session: calls in flight (uploads too) finish first,
// later ones are refused, and runs still RUNNING are left as the task left
// them. The session's runs stay readable until the server closes.
func (ss *Session) Close() {
	ss.mu.Lock()
	ss.closed = true
	ss.mu.Unlock()
	ss.uploads.Wait()
	ss.srv.mu.Lock()
	delete(ss.srv.sessions, ss.token)
	ss.srv.mu.Unlock()
}

// record hands evs to the recorder; ss.mu is held.
func (ss *Session) record(evs ...Event) error {
	if ss.closed {
		return errorf(codeInvalidState, "task %s attempt %d has ended; nothing more is recorded", ss.task.Name, ss.task.Attempt)
	}
	if err := ss.task.Recorder.Record(evs...); err != nil {
		ss.srv.log.Error("record", "task", ss.task.Name, "err", err)
		return errorf(codeInternal, "record: %v", err)
	}
	return nil
}

// ServeHTTP routes /t/<token>/api/2.0/... (a session) and /api/2.0/...
// (no session: artifact calls are found by their run id).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	var sess *Session
	if rest, ok := strings.CutPrefix(path, "/t/"); ok {
		token, tail, _ := strings.Cut(rest, "/")
		s.mu.RLock()
		sess = s.sessions[token]
		s.mu.RUnlock()
		if sess == nil {
			writeError(w, errorf(codePermissionDenied, "no task attempt of this run has this tracking URI (it has ended)"))
			return
		}
		path = "/" + tail
	}
	if rest, ok := strings.CutPrefix(path, artifactsPrefix); ok {
		s.serveArtifacts(w, r, sess, rest)
		return
	}
	if rest, ok := strings.CutPrefix(path, "/ajax-api/"); ok {
		path = "/api/" + rest
	}
	endpoint, ok := strings.CutPrefix(path, "/api/2.0/mlflow/")
	h := s.routes[r.Method+" "+endpoint]
	if !ok || h == nil {
		writeError(w, errorf(codeEndpointNotFound, "%s %s is not implemented by mlcd's tracking endpoint (docs/mlflow.md)", r.Method, r.URL.Path))
		return
	}
	q, aerr := readRequest(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	resp, err := h(s, sess, q)
	switch {
	case err != nil:
		writeError(w, err)
	case resp == nil:
		writeEmpty(w)
	default:
		writeJSON(w, resp)
	}
}

// routes maps "METHOD endpoint" to its handler.
func routes() map[string]handler {
	m := map[string]handler{}
	add := func(methods, endpoint string, h handler) {
		for _, meth := range strings.Fields(methods) {
			m[meth+" "+endpoint] = h
		}
	}
	add("GET", "experiments/get-by-name", (*Server).experimentByName)
	add("POST", "experiments/create", (*Server).createExperiment)
	add("GET", "experiments/get", (*Server).getExperiment)
	add("GET POST", "experiments/search", (*Server).searchExperiments)
	add("POST", "runs/create", (*Server).createRun)
	add("POST", "runs/update", (*Server).updateRun)
	add("GET", "runs/get", (*Server).getRun)
	add("POST", "runs/log-metric", (*Server).logMetric)
	add("POST", "runs/log-parameter", (*Server).logParam)
	add("POST", "runs/set-tag", (*Server).setTag)
	add("POST", "runs/log-batch", (*Server).logBatch)
	add("POST", "runs/log-model", (*Server).logModel)
	add("POST", "runs/log-inputs", (*Server).logInputs)
	add("POST", "runs/search", (*Server).searchRuns)
	add("GET", "metrics/get-history", (*Server).metricHistory)
	add("GET", "artifacts/list", (*Server).listRunArtifacts)
	add("POST", "registered-models/create", (*Server).createModel)
	add("GET", "registered-models/get", (*Server).getModel)
	add("GET POST", "registered-models/get-latest-versions", (*Server).latestVersions)
	add("POST", "registered-models/alias", (*Server).setAlias)
	add("GET", "registered-models/alias", (*Server).getAlias)
	add("POST", "model-versions/create", (*Server).createVersion)
	add("GET", "model-versions/get", (*Server).getVersion)
	add("GET", "model-versions/get-download-uri", (*Server).downloadURI)
	add("POST", "model-versions/transition-stage", (*Server).transitionStage)
	return m
}
