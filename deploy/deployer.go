package deploy

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

	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/internal/httplimit"
	"github.com/mlcd-dev/mlcd/registry"
)

// Errors of Deploy; the returned error wraps one of them with the reason.
var (
	// ErrUnhealthy: the version did not start or failed its health check
	// and was rolled back (the previous version keeps serving).
	ErrUnhealthy = errors.New("version failed its health check")
	// ErrKnownBad: the same artifact already failed on this deployer and
	// is not tried again.
	ErrKnownBad = errors.New("artifact already failed its health check")
	// ErrNoArtifact: the version's artifact is not in the store; nothing
	// was started, and a later Deploy tries again (the object may arrive).
	ErrNoArtifact = errors.New("artifact not in the store")
)

// Defaults of Config.
const (
	DefaultStartTimeout  = 60 * time.Second
	DefaultHealthTimeout = 30 * time.Second
	DefaultDrainTimeout  = 30 * time.Second
)

// Store is where artifacts come from: Open verifies the content against
// its digest (store.Local does).
type Store interface {
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
}

// Config configures a Deployer.
type Config struct {
	// Store holds the artifacts; required.
	Store Store
	// Dir is the deploy folder: each served artifact is copied to
	// Dir/<model>/<digest>/<file name>, beside its server's log; required.
	Dir string
	// WorkDir is the working directory of command-flavor servers (a
	// checkout of the repository, so `python3 src/serve.py` resolves).
	WorkDir string
	// Checkout, when set, returns the working directory for a version
	// deployed from commit instead (a checkout of that commit).
	Checkout func(ctx context.Context, commit string) (string, error)
	// Env is the environment of command-flavor servers; nil means this
	// process's.
	Env []string
	// Example returns the input example of a version (a scoring request
	// body), or nil when it has none. Nil Example skips the prediction
	// check.
	Example func(ctx context.Context, v *registry.Version) ([]byte, error)
	// StartTimeout bounds a command server's wait for /ping.
	StartTimeout time.Duration
	// HealthTimeout bounds the health check.
	HealthTimeout time.Duration
	// DrainTimeout bounds the wait for the old version's requests.
	DrainTimeout time.Duration
	// MinBackoff is the first wait before restarting a dead command server
	// or sklearn worker.
	MinBackoff time.Duration
	// BodyBudget bounds the bytes of scoring request bodies the endpoint
	// holds at once (DefaultBodyBudget when 0); a request that finds no
	// room within BodyWait (DefaultBodyWait when 0) is answered 503.
	BodyBudget int64
	BodyWait   time.Duration
	// FlavorOptions tune the flavors mlcd serves itself.
	FlavorOptions
	// Metrics receives the series; nil creates a new set.
	Metrics *Metrics
	// Logger; nil discards.
	Logger *slog.Logger
}

// Defaults of the body budget.
const (
	// DefaultBodyBudget bounds the scoring request bodies the gateway holds
	// at once: two of the largest bodies a model takes. A body is decoded
	// to several times its size, so this bounds the endpoint's memory.
	DefaultBodyBudget = 2 * scoring.DefaultMaxBodyBytes
	// DefaultBodyWait is how long a request waits for room in the budget
	// before it is answered 503.
	DefaultBodyWait = 2 * time.Second
)

// FlavorOptions tune the flavors mlcd serves itself (xgboost, lightgbm,
// sklearn). The zero value is the defaults.
type FlavorOptions struct {
	// MaxBodyBytes is the largest request body (413 past it); 0 means
	// scoring.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MLflowVersion is what GET /version answers; "" means
	// scoring.DefaultMLflowVersion.
	MLflowVersion string
	// ServerVersion is mlcd's own version, sent in the Mlcd-Version header
	// and in /health.
	ServerVersion string
	// Python is the interpreter of sklearn workers; "" means python3 on
	// the PATH of Env.
	Python string
	// Workers is the number of sklearn worker processes per version; 0
	// means the number of cores.
	Workers int
	// MaxBatch and BatchWait bound the micro-batches of the sklearn flavor
	// (rows per predict call, and how long a request waits for others);
	// 0 means the sklearn package's defaults, a negative BatchWait no wait.
	MaxBatch  int
	BatchWait time.Duration
}

// Deployer serves versions behind its Gateway. It is safe for concurrent
// use; deploys of one model are serialized.
type Deployer struct {
	cfg     Config
	log     *slog.Logger
	gw      *Gateway
	metrics *Metrics

	mu     sync.Mutex
	locks  map[string]*sync.Mutex // per model
	failed map[string]string      // model+"@"+digest -> reason
}

// New returns a Deployer that serves nothing yet.
func New(cfg Config) (*Deployer, error) {
	if cfg.Store == nil || cfg.Dir == "" {
		return nil, errors.New("new deployer: Store and Dir are required")
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	if cfg.HealthTimeout <= 0 {
		cfg.HealthTimeout = DefaultHealthTimeout
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.BodyBudget <= 0 {
		cfg.BodyBudget = DefaultBodyBudget
	}
	if cfg.BodyWait <= 0 {
		cfg.BodyWait = DefaultBodyWait
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Deployer{
		cfg:     cfg,
		log:     log.With("component", "deploy"),
		gw:      newGateway(cfg.Metrics, httplimit.NewBudget(cfg.BodyBudget, scoring.DefaultMaxBodyBytes, cfg.BodyWait)),
		metrics: cfg.Metrics,
		locks:   map[string]*sync.Mutex{},
		failed:  map[string]string{},
	}, nil
}

// Handler is the gateway: the stable endpoint to listen on.
func (d *Deployer) Handler() http.Handler { return d.gw }

// Gateway returns the gateway.
func (d *Deployer) Gateway() *Gateway { return d.gw }

// Metrics returns the metrics the gateway serves on /metrics.
func (d *Deployer) Metrics() *Metrics { return d.metrics }

// Serving is what a model serves now.
type Serving struct {
	Model   string
	Version int
	Digest  string
	Commit  string // the commit that set it to Production
	// Trained is the commit the version was trained on, whose code a
	// command-flavor server runs.
	Trained string
	Since   time.Time
}

// Serving returns what model serves, if anything.
func (d *Deployer) Serving(model string) (Serving, bool) {
	in := d.gw.routes.Load().byModel[model]
	if in == nil {
		return Serving{}, false
	}
	return Serving{Model: in.model, Version: in.version.Version, Digest: in.digest, Commit: in.commit, Trained: in.version.Commit, Since: in.since}, true
}

func (d *Deployer) lock(model string) func() {
	d.mu.Lock()
	l := d.locks[model]
	if l == nil {
		l = new(sync.Mutex)
		d.locks[model] = l
	}
	d.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Undeploy stops serving model: its route goes, in-flight requests drain,
// its server stops.
func (d *Deployer) Undeploy(ctx context.Context, model string) error {
	defer d.lock(model)()
	old := d.gw.set(model, nil)
	if old == nil {
		return nil
	}
	d.metrics.serving.DeleteLabelValues(model)
	return d.retire(ctx, old)
}

// Close stops every model.
func (d *Deployer) Close(ctx context.Context) error {
	var errs []error
	for _, m := range d.gw.Models() {
		errs = append(errs, d.Undeploy(ctx, m))
	}
	return errors.Join(errs...)
}

// retire drains in and stops it.
func (d *Deployer) retire(ctx context.Context, in *instance) error {
	dctx, cancel := context.WithTimeout(ctx, d.cfg.DrainTimeout)
	derr := in.drain(dctx)
	cancel()
	if derr != nil {
		d.log.Warn("stopping with requests in flight", "model", in.model, "version", in.version.Version, "err", derr)
	}
	if err := in.stop(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("stop %s v%d: %w", in.model, in.version.Version, err)
	}
	if cur := d.gw.routes.Load().byModel[in.model]; cur == nil || cur.digest != in.digest {
		os.RemoveAll(d.versionDir(in.version)) // its copy of the model and its server's log
	}
	return nil
}
