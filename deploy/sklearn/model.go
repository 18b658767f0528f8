package sklearn

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/internal/outputtail"
)

// Methods a worker may call.
const (
	MethodPredict      = "predict"
	MethodPredictProba = "predict_proba"
)

// Defaults of Config.
const (
	DefaultPython       = "python3"
	DefaultMaxBatch     = 128
	DefaultBatchWait    = 2 * time.Millisecond
	DefaultStartTimeout = 60 * time.Second
	DefaultStopGrace    = 10 * time.Second
	DefaultMinBackoff   = 250 * time.Millisecond
	DefaultMaxBackoff   = 30 * time.Second
)

// stableAfter is how long a worker must run before its death resets the
// restart backoff to its minimum.
const stableAfter = 30 * time.Second

// Config says which model to load and how to run its workers.
type Config struct {
	// Model is the path of the pickled estimator or pipeline.
	Model string
	// Method is MethodPredict (the default: labels for a classifier, as
	// MLflow's sklearn flavor) or MethodPredictProba.
	Method string
	// Python is the interpreter; "" means DefaultPython on PATH.
	Python string
	// Dir is the workers' working directory (it is on their sys.path, for
	// models that pickle the user's own classes); "" means this process's.
	Dir string
	// Env is the workers' environment; nil means this process's.
	Env []string
	// Output receives the workers' stderr; nil discards.
	Output io.Writer
	// Workers is the number of processes; 0 means the number of cores.
	Workers int
	// MaxBatch bounds the rows of one predict call; a larger request is
	// sent alone. BatchWait is how long a worker that has rows to send
	// waits for more requests. 0 means the defaults; a negative BatchWait
	// sends at once.
	MaxBatch  int
	BatchWait time.Duration
	// Schema names the inputs when the model itself does not (a model
	// fitted on an array, saved with an MLflow signature). The model's
	// feature_names_in_ win when it has them.
	Schema scoring.Schema
	// Version labels the model version (reported by /health).
	Version string
	// StartTimeout bounds the loading of the model by each worker.
	StartTimeout time.Duration
	// StopGrace is how long Stop waits for a worker before SIGKILL.
	StopGrace time.Duration
	// MinBackoff and MaxBackoff bound the wait before a dead worker is
	// replaced; it doubles after each failed start.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives restarts; nil discards.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Method == "" {
		c.Method = MethodPredict
	}
	if c.Python == "" {
		c.Python = DefaultPython
	}
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.BatchWait == 0 {
		c.BatchWait = DefaultBatchWait
	}
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
	if c.Output == nil {
		c.Output = io.Discard
	}
}

// Model is a scikit-learn model served by a pool of Python workers. It is
// a scoring.Predictor: concurrent Predict calls are gathered into batches.
type Model struct {
	cfg    Config
	log    *slog.Logger
	hello  *hello
	schema scoring.Schema
	queue  chan *job

	alive    atomic.Int32
	restarts atomic.Int64
	stop     chan struct{}
	stopOnce sync.Once
	stopped  chan struct{} // closed once every worker loop returned
	wg       sync.WaitGroup
}

var _ scoring.Predictor = (*Model)(nil)

// Start loads the model in cfg.Workers workers and returns once all of
// them have. On error nothing is left running; the error says why the
// model did not load.
func Start(ctx context.Context, cfg Config) (*Model, error) {
	cfg.defaults()
	if cfg.Method != MethodPredict && cfg.Method != MethodPredictProba {
		return nil, fmt.Errorf("sklearn: method %q: want %s or %s", cfg.Method, MethodPredict, MethodPredictProba)
	}
	m := &Model{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "sklearn"),
		queue:   make(chan *job, 4*cfg.Workers*cfg.MaxBatch),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	workers := make([]*worker, 0, cfg.Workers)
	tail := outputtail.New(4096)
	for range cfg.Workers {
		w, h, err := startWorker(ctx, &m.cfg, io.MultiWriter(cfg.Output, tail))
		if err == nil && m.hello == nil {
			m.hello = h
			m.schema, err = schemaOf(h, cfg.Schema)
		}
		if err != nil {
			for _, w := range workers {
				w.kill(cfg.StopGrace)
			}
			if w != nil {
				w.kill(cfg.StopGrace)
			}
			return nil, fmt.Errorf("sklearn: load %s: %w%s", cfg.Model, err, tail.Suffix())
		}
		workers = append(workers, w)
	}
	m.alive.Store(int32(len(workers)))
	m.log.Info("model loaded", "model", m.hello.Model, "method", cfg.Method, "workers", len(workers),
		"features", m.schema.Width())
	for _, w := range workers {
		m.wg.Add(1)
		go m.run(w)
	}
	go func() {
		m.wg.Wait()
		m.fail(unavailable("the model is stopping"))
		close(m.stopped)
	}()
	return m, nil
}

// schemaOf is the input schema: the model's own feature names, else the
// given schema, else the model's feature count.
func schemaOf(h *hello, given scoring.Schema) (scoring.Schema, error) {
	switch {
	case len(h.Names) > 0:
		if h.Features != nil && *h.Features != len(h.Names) {
			return scoring.Schema{}, fmt.Errorf("the model has %d feature names for %d features", len(h.Names), *h.Features)
		}
		return scoring.NewSchema(h.Names), nil
	case given.Width() > 0:
		if h.Features != nil && *h.Features != given.Width() {
			return scoring.Schema{}, fmt.Errorf("the signature has %d inputs, the model takes %d features", given.Width(), *h.Features)
		}
		return given, nil
	case h.Features != nil && *h.Features > 0:
		return scoring.PositionalSchema(*h.Features), nil
	}
	return scoring.Schema{}, fmt.Errorf("the model (%s) says neither its features' names nor their number (n_features_in_); is it fitted?", h.Model)
}

// Schema is the input the model reads.
func (m *Model) Schema() scoring.Schema { return m.schema }

// Version labels the model version served.
func (m *Model) Version() string { return m.cfg.Version }

// Outputs names the columns of each row's prediction for predict_proba
// (the classifier's classes_, in order); nil for predict.
func (m *Model) Outputs() []string { return m.hello.Outputs }

// Ready reports whether at least one worker is alive; /ping answers 503
// otherwise.
func (m *Model) Ready() bool { return m.alive.Load() > 0 }

// Restarts is how many workers were replaced after they died.
func (m *Model) Restarts() int { return int(m.restarts.Load()) }

// Stop ends every worker and waits for them, or for ctx.
func (m *Model) Stop(ctx context.Context) error {
	m.stopOnce.Do(func() { close(m.stop) })
	select {
	case <-m.stopped:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop sklearn workers: %w", ctx.Err())
	}
}

// unavailable is the 503 answered when no worker can score a request.
func unavailable(msg string) *scoring.Error {
	return &scoring.Error{Status: http.StatusServiceUnavailable, Code: scoring.CodeUnavailable, Message: msg}
}

// modelRefused is MLflow's answer when the model raises on its input.
func modelRefused(msg string) *scoring.Error {
	return &scoring.Error{Status: http.StatusBadRequest, Code: scoring.CodeBadRequest,
		Message: "Encountered an unexpected error while evaluating the model. Verify that the serialized input " +
			"Dataframe is compatible with the model for inference. Error: " + strings.TrimSpace(msg)}
}

// Predict scores f in a batch with other requests' rows.
func (m *Model) Predict(ctx context.Context, f *scoring.Frame) (scoring.Predictions, error) {
	if m.alive.Load() == 0 {
		return scoring.Predictions{}, unavailable("every model worker died; they are restarting")
	}
	j := &job{values: append([]float64(nil), f.Values...), rows: f.Rows, done: ctx.Done(), res: make(chan result, 1)}
	select {
	case m.queue <- j:
	case <-ctx.Done():
		return scoring.Predictions{}, ctx.Err()
	case <-m.stop:
		return scoring.Predictions{}, unavailable("the model is stopping")
	}
	select {
	case r := <-j.res:
		if r.err != nil {
			return scoring.Predictions{}, r.err
		}
		return scoring.Predictions{Width: r.width, Values: r.values, Labels: m.hello.Labels}, nil
	case <-ctx.Done():
		return scoring.Predictions{}, ctx.Err()
	case <-m.stopped:
		// Queued after the workers' last look at the queue.
		return scoring.Predictions{}, unavailable("the model is stopping")
	}
}

// fail answers every queued request with err.
func (m *Model) fail(err error) {
	for {
		select {
		case j := <-m.queue:
			j.res <- result{err: err}
		default:
			return
		}
	}
}
