package scoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 32 << 20
	DefaultTimeout      = 60 * time.Second // MLflow's default request timeout
	// DefaultMLflowVersion is the MLflow release whose scoring protocol the
	// Handler speaks, and what GET /version answers by default.
	DefaultMLflowVersion = "2.8.1"
)

// ServerVersionHeader is the response header that carries mlcd's own
// version (Options.ServerVersion).
const ServerVersionHeader = "Mlcd-Version"

// Options tune a Handler. The zero value is usable.
type Options struct {
	// MaxBodyBytes is the largest request body; a larger one gets 413.
	MaxBodyBytes int64
	// Timeout bounds reading, decoding and scoring one request; past it the
	// answer is 504. The Predictor must honour its context.
	Timeout time.Duration
	// MLflowVersion is what GET /version answers, as MLflow's server
	// answers its own version; "" means DefaultMLflowVersion.
	MLflowVersion string
	// ServerVersion is mlcd's own version: sent in the Mlcd-Version header
	// of every answer and in the body of /health. "" sends no header.
	ServerVersion string
	// Logger receives server faults and ignored params; nil discards.
	Logger *slog.Logger
}

var (
	ctJSON  = []string{"application/json"}
	ctPlain = []string{"text/plain; charset=utf-8"}
)

type server struct {
	p            Predictor
	schema       Schema
	opts         Options
	log          *slog.Logger
	pool         sync.Pool // *request
	serverHeader []string  // Mlcd-Version, nil for none
	health       []byte    // the body of /health
}

// request is the reusable storage of one /invocations call.
type request struct {
	dec  decoder
	body []byte
	out  []byte
}

// Handler serves p with MLflow's scoring protocol: GET /ping and /health,
// GET /version and POST /invocations.
func Handler(p Predictor, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MLflowVersion == "" {
		opts.MLflowVersion = DefaultMLflowVersion
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &server{p: p, schema: p.Schema(), opts: opts, log: log.With("component", "scoring")}
	s.pool.New = func() any { return new(request) }
	if opts.ServerVersion != "" {
		s.serverHeader = []string{opts.ServerVersion}
	}
	var outputs []string
	if on, ok := p.(OutputNamer); ok {
		outputs = on.Outputs()
	}
	s.health = appendHealth(nil, opts.ServerVersion, p.Version(), outputs)
	return s
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.serverHeader != nil {
		w.Header()[ServerVersionHeader] = s.serverHeader
	}
	switch r.URL.Path {
	case "/invocations":
		if r.Method != http.MethodPost {
			s.fail(w, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
				Message: "The method is not allowed for the requested URL; /invocations takes POST."})
			return
		}
		s.invocations(w, r)
	case "/ping":
		if !s.readOnly(w, r) {
			return
		}
		if rd, ok := s.p.(Readier); ok && !rd.Ready() {
			s.fail(w, &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
				Message: "The model cannot score right now: its workers are restarting."})
			return
		}
		w.Header()["Content-Type"] = ctJSON
		io.WriteString(w, "\n")
	case "/health":
		if !s.readOnly(w, r) {
			return
		}
		w.Header()["Content-Type"] = ctJSON
		w.Write(s.health)
	case "/version":
		if !s.readOnly(w, r) {
			return
		}
		// MLflow answers its bare version string with a JSON media type.
		w.Header()["Content-Type"] = ctJSON
		io.WriteString(w, s.opts.MLflowVersion)
	default:
		s.fail(w, &Error{Status: http.StatusNotFound, Code: CodeEndpointNotFound,
			Message: fmt.Sprintf("No endpoint %s; the scoring server answers /ping, /health, /version and /invocations.", r.URL.Path)})
	}
}

func (s *server) readOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	s.fail(w, &Error{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
		Message: fmt.Sprintf("The method is not allowed for the requested URL; %s takes GET.", r.URL.Path)})
	return false
}

func (s *server) invocations(w http.ResponseWriter, r *http.Request) {
	defer s.recoverPanic(w, r)
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	req := s.pool.Get().(*request)
	defer s.release(req)
	// A slow client counts against the timeout too; a writer without
	// deadlines (a test recorder) just returns an error here.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.Timeout))

	if err := req.readBody(ctx, r, s.opts.MaxBodyBytes); err != nil {
		s.fail(w, err)
		return
	}
	params, err := req.dec.decode(r.Header.Get("Content-Type"), req.body, s.schema)
	if err != nil {
		s.fail(w, err)
		return
	}
	if len(params) > 0 {
		s.log.Warn("the model takes no params; ignoring them", "params", len(params))
	}
	if req.dec.frame.Rows == 0 {
		// An empty batch is legal (MLflow answers it too): nothing to score.
		w.Header()["Content-Type"] = ctJSON
		io.WriteString(w, `{"predictions": []}`)
		return
	}
	preds, err := s.p.Predict(ctx, &req.dec.frame)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if w := max(preds.Width, 1); err == nil && len(preds.Values) != req.dec.frame.Rows*w {
		err = fmt.Errorf("the model returned %d values for %d rows of %d outputs", len(preds.Values), req.dec.frame.Rows, w)
	}
	if err != nil {
		s.fail(w, s.predictError(err))
		return
	}
	req.out = appendPredictions(req.out[:0], preds)
	w.Header()["Content-Type"] = ctJSON
	w.Write(req.out)
}

// release returns req to the pool unless a large request grew it.
func (s *server) release(req *request) {
	const keep = 1 << 20
	if cap(req.body) > keep || cap(req.out) > keep || cap(req.dec.frame.Values) > keep/8 || cap(req.dec.p.nodes) > keep/32 {
		return
	}
	s.pool.Put(req)
}

var errTimeout = &Error{Status: http.StatusGatewayTimeout, Code: CodeDeadlineExceeded,
	Message: "The request took longer than the scoring server's timeout."}

// readBody reads the body into req.body, refusing one over max (413).
func (req *request) readBody(ctx context.Context, r *http.Request, max int64) error {
	if r.ContentLength > max {
		return tooLarge(max)
	}
	req.body = req.body[:0]
	if r.ContentLength > 0 && int64(cap(req.body)) < r.ContentLength {
		req.body = make([]byte, 0, r.ContentLength)
	}
	for {
		if len(req.body) == cap(req.body) {
			req.body = append(req.body, 0)[:len(req.body)]
		}
		n, err := r.Body.Read(req.body[len(req.body):cap(req.body)])
		req.body = req.body[:len(req.body)+n]
		if int64(len(req.body)) > max {
			return tooLarge(max)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
				return errTimeout
			}
			return badRequest("reading the request body: %v", err)
		}
	}
}

func tooLarge(max int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeRequestTooLarge,
		Message: fmt.Sprintf("The request body is larger than the server's limit of %d bytes (%s); "+
			"raise it with deploy.max_body in mlcd.yaml or --max-body.", max, humanBytes(max))}
}

// humanBytes writes n in the largest binary unit that divides it, else in bytes.
func humanBytes(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

func (s *server) predictError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.DeadlineExceeded):
		return errTimeout
	case errors.Is(err, context.Canceled):
		return &Error{Status: 499, Code: CodeBadRequest, Message: "The client closed the request."}
	}
	s.log.Error("predict", "err", err)
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
		Message: "Encountered an unexpected error while evaluating the model: " + err.Error()}
}

// recoverPanic turns a predictor's panic into a 500: a server bug, logged
// with the request, never a crash.
func (s *server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.Error("panic while scoring", "path", r.URL.Path, "panic", fmt.Sprint(v))
	s.fail(w, &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
		Message: fmt.Sprintf("Internal error while scoring: %v", v)})
}

func (s *server) fail(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: err.Error()}
	}
	if e.Status == http.StatusUnsupportedMediaType {
		w.Header()["Content-Type"] = ctPlain
		w.WriteHeader(e.Status)
		io.WriteString(w, e.Message)
		return
	}
	w.Header()["Content-Type"] = ctJSON
	w.WriteHeader(e.Status)
	w.Write(appendError(nil, e))
}
