package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlcd-dev/mlcd/internal/freeport"
	"github.com/mlcd-dev/mlcd/internal/outputtail"
)

// Defaults of Config.
const (
	DefaultStartTimeout = 60 * time.Second
	DefaultStopGrace    = 10 * time.Second
	DefaultMinBackoff   = 250 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
)

// ErrNoPing is returned by Start when the server does not answer /ping
// with 200 within the start timeout.
var ErrNoPing = errors.New("no answer on /ping")

// ErrExited is returned by Start when the server exits before it answers
// /ping.
var ErrExited = errors.New("server exited")

// Config says what to run.
type Config struct {
	// Command is a shell command line with {model} and {port}.
	Command string
	// Model is the path substituted for {model}.
	Model string
	// Dir is the working directory of the command.
	Dir string
	// Env is the environment of the command; nil means this process's.
	// mlcd's own secrets (pipeline.SecretEnv) are always left out.
	Env []string
	// Output receives the server's stdout and stderr; nil discards.
	Output io.Writer
	// StartTimeout bounds the wait for /ping after each start.
	StartTimeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
	StopGrace time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart; the wait
	// doubles after each failed restart.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives restarts; nil discards.
	Logger *slog.Logger

	// pickPort picks the port of each start; nil is freeport.Pick. Tests set
	// it to hand out a port another socket holds.
	pickPort func() (int, error)
}

func (c *Config) defaults() {
	if c.StartTimeout <= 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.StopGrace <= 0 {
		c.StopGrace = DefaultStopGrace
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.pickPort == nil {
		c.pickPort = freeport.Pick
	}
}

// Server is a running model server and the reverse proxy in front of it.
type Server struct {
	cfg      Config
	log      *slog.Logger
	target   atomic.Pointer[url.URL] // nil while the server is down
	proxy    *httputil.ReverseProxy
	client   *http.Client
	restarts atomic.Int64
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{} // closed when the supervisor returned
	tail     *outputtail.Tail
}

// Start runs the command and waits until it answers /ping. On error
// nothing is left running; the error carries the end of the server's
// output.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg.defaults()
	if strings.TrimSpace(cfg.Command) == "" {
		return nil, errors.New("start model server: empty serve command")
	}
	s := &Server{
		cfg:  cfg,
		log:  cfg.Logger.With("component", "command"),
		stop: make(chan struct{}),
		done: make(chan struct{}),
		tail: outputtail.New(4096),
	}
	s.proxy, s.client = newProxy(s)
	p, err := s.launch(ctx)
	if err != nil {
		return nil, err
	}
	go s.supervise(p)
	return s, nil
}

// portAttempts bounds the starts of one launch that fail because another
// process took the port meanwhile.
const portAttempts = 3

// launch starts one process on a fresh port and waits for its /ping. The
// port is free when picked but only bound by the server later: when the
// server exits because another process took the port in between, launch
// starts it again on another port.
func (s *Server) launch(ctx context.Context) (*process, error) {
	for attempt := 1; ; attempt++ {
		p, err := s.launchOnce(ctx)
		if err == nil || attempt == portAttempts || !errors.Is(err, errPortTaken) {
			return p, err
		}
		s.log.Warn("model server's port was taken; starting it on another port", "err", err)
	}
}

// errPortTaken marks a start whose server exited while another socket held
// its port.
var errPortTaken = errors.New("its port was taken by another process")

func (s *Server) launchOnce(ctx context.Context) (*process, error) {
	port, err := s.cfg.pickPort()
	if err != nil {
		return nil, err
	}
	line := expand(s.cfg.Command, s.cfg.Model, port)
	p, err := startProcess(line, s.cfg.Dir, s.cfg.Env, io.MultiWriter(s.output(), s.tail))
	if err != nil {
		return nil, err
	}
	u := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	if err := s.waitPing(ctx, u, p); err != nil {
		p.kill(s.cfg.StopGrace)
		if errors.Is(err, ErrExited) && portTaken(port) {
			err = fmt.Errorf("%w (%w)", err, errPortTaken)
		}
		return nil, fmt.Errorf("start model server %q: %w%s", line, err, s.tail.Suffix())
	}
	s.target.Store(u)
	return p, nil
}

func (s *Server) output() io.Writer {
	if s.cfg.Output == nil {
		return io.Discard
	}
	return s.cfg.Output
}

// waitPing polls u/ping until it answers 200, the process exits, the start
// timeout passes or Stop is called.
func (s *Server) waitPing(ctx context.Context, u *url.URL, p *process) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	delay := 20 * time.Millisecond
	for {
		if s.ping(ctx, u) {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%w within %s", ErrNoPing, s.cfg.StartTimeout)
			}
			return ctx.Err()
		case <-p.done:
			return fmt.Errorf("%w: %s", ErrExited, p.state())
		case <-s.stop:
			return errors.New("stopped")
		case <-time.After(delay):
		}
		delay = min(2*delay, 250*time.Millisecond)
	}
}

func (s *Server) ping(ctx context.Context, u *url.URL) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String()+"/ping", nil)
	if err != nil {
		return false
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// ServeHTTP proxies r to the running server; while it is down (between a
// crash and its restart) the answer is 503.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.proxy.ServeHTTP(w, r)
}

// URL is the base URL of the running server, or "" while it is down.
func (s *Server) URL() string {
	if u := s.target.Load(); u != nil {
		return u.String()
	}
	return ""
}

// Restarts is how many times the server was restarted after it died.
func (s *Server) Restarts() int { return int(s.restarts.Load()) }

// Stop ends the server: SIGTERM to its process group, SIGKILL after the
// grace period. It waits until the process is gone or ctx is done.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stop) })
	select {
	case <-s.done:
		s.client.CloseIdleConnections()
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop model server: %w", ctx.Err())
	}
}
