package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/internal/httplimit"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// Shutdown modes: what SIGTERM does to the run in progress.
const (
	ShutdownWait   = "wait"   // let it finish, record it, then exit
	ShutdownCancel = "cancel" // kill its tasks, record it cancelled, exit
)

// Config configures a controller.
type Config struct {
	URL      string // the repository: a path, file://, http(s):// or ssh
	Branch   string // default "main"
	StateDir string // required: the clone, kept records, status
	// Store is the artifact store's location (--store or $MLCD_STORE);
	// "" means the pipeline's store:, else DefaultStore (store.Locate).
	Store string
	// DefaultStore is the store when neither Store nor store: names one;
	// "" means StateDir/store.
	DefaultStore string
	Interval     time.Duration // poll interval; default 30s
	Listen       string        // webhook and status address; "" serves nothing
	// WebhookSecret verifies GitHub's webhook signatures and POST /runs;
	// without it both are off.
	WebhookSecret string
	Shutdown      string // ShutdownWait (default) or ShutdownCancel
	Jobs          int    // tasks at once; 0 means the number of CPUs
	Bot           gitstore.Signature
	Output        io.Writer // the tasks' output; nil discards it
	Logger        *slog.Logger
	// KillGrace is the executor's SIGTERM-to-SIGKILL delay; 0 is its default.
	KillGrace time.Duration
	// Env is added to every task's environment ("KEY=VALUE"); with an
	// engine (executor: slurm) also to its commands' and jobs'.
	Env []string
	// Mlcd is the mlcd binary the jobs of an engine run; "" means this
	// program.
	Mlcd string
	// HTTPTimeouts bound the connections of Listen; a zero field takes
	// httplimit.Control's.
	HTTPTimeouts httplimit.Timeouts
	// ReportDir is where the static report is rendered after each recorded
	// run; "" means StateDir/site, "-" renders none.
	ReportDir string
	// GitHubToken enables GitHub's API, through one client, for the merge
	// gate, commit statuses and the promotion pull requests; GitHubBaseURL
	// is the API root ("" is github.com) and GitHubRepo "owner/repo" when
	// the remote URL does not say it (forge.Settings).
	GitHubToken, GitHubBaseURL, GitHubRepo string
	// OnDeploy, when set, hears of each version that passed the merge gate
	// and became its model's desired deployment (the deployer).
	OnDeploy func(ctx context.Context, v *registry.Version, commit string)
}

// Controller follows one branch of one repository.
type Controller struct {
	cfg    Config
	log    *slog.Logger
	state  stateDir
	lock   *stateLock // held from New to Close
	repo   *gitstore.Repo
	slot   *slot
	status *statusBoard

	gh       *forge.Client // nil without GitHub's API
	ghWhy    string        // why gh is nil, for people
	deployMu sync.Mutex    // one Production reconcile at a time
	// journalSeen: the edits of deployment journals already reported (under deployMu).
	journalSeen map[string]bool
	// kube is deploy.kubernetes of the last valid mlcd.yaml a Production
	// reconcile read; nil for the local target (under deployMu).
	kube *pipeline.Kubernetes
	// report serializes the report's builds and guards store.
	report reportState
	// store is the artifact store once a run opened it, for the report's
	// artifact links and logs, and the URL it was opened at (guarded by
	// report.mu).
	store    store.Store
	storeURL string
	// registry keeps the versions parsed at earlier commits, so that each
	// pass parses only the version files that changed.
	registry registry.Loader
	// lastPipeline is mlcd.yaml of the last commit asked about.
	lastPipeline atomic.Pointer[parsedPipeline]
}

// New locks and opens the controller's state folder and its clone of the
// repository (cloning it on first use). While one controller holds a state
// folder, New on the same folder fails at once with a *StateLockedError
// naming the holder's PID; Close (or the holder's exit) releases it.
func New(ctx context.Context, cfg Config) (*Controller, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("controller: no state folder")
	}
	if cfg.Branch == "" {
		cfg.Branch = "main"
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.Shutdown == "" {
		cfg.Shutdown = ShutdownWait
	}
	if cfg.Shutdown != ShutdownWait && cfg.Shutdown != ShutdownCancel {
		return nil, fmt.Errorf("shutdown mode %q: want %s or %s", cfg.Shutdown, ShutdownWait, ShutdownCancel)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	abs, err := filepath.Abs(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	cfg.StateDir = abs
	// The lock comes before anything else reads or writes the folder: a
	// second process on it would take the first one's live run for an
	// interrupted one, or run the same commit twice.
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("state folder: %w", err)
	}
	lock, err := lockState(abs)
	if err != nil {
		return nil, err
	}
	c, err := open(ctx, cfg, lock)
	if err != nil {
		return nil, errors.Join(err, lock.release())
	}
	return c, nil
}

// open opens the state folder that lock holds, and the clone.
func open(ctx context.Context, cfg Config, lock *stateLock) (*Controller, error) {
	abs := cfg.StateDir
	if err := os.MkdirAll(filepath.Join(abs, "tmp"), 0o755); err != nil {
		return nil, fmt.Errorf("state folder: %w", err)
	}
	c := &Controller{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "controller"),
		state:  stateDir{root: abs},
		lock:   lock,
		slot:   newSlot(),
		status: &statusBoard{path: stateDir{root: abs}.statusFile()},
	}
	c.status.update(func(s *Status) {
		s.Repo, s.Branch, s.PID = redactURL(cfg.URL), cfg.Branch, os.Getpid()
	})
	var err error
	c.repo, err = gitstore.Open(ctx, c.state.repo(), gitstore.Options{
		URL: cfg.URL, Branch: cfg.Branch, Bot: cfg.Bot, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	if err := c.initDeploys(); err != nil {
		return nil, err
	}
	return c, nil
}

// Once is one pass, for GitHub Actions and cron: publish what an earlier
// pass left unpushed, fetch, and run the pipeline if its code or data changed
// since the last recorded run. It returns the run, or nil when nothing
// needed a run.
func (c *Controller) Once(ctx context.Context) (*pipeline.Run, error) {
	requeue, err := c.recover(ctx)
	if err != nil {
		return nil, err
	}
	if requeue != nil && requeue.Adopt != "" {
		// The jobs of the run the last pass died during: this pass
		// follows them; the next one looks at the branch.
		return c.runAndRecord(ctx, ctx, *requeue)
	}
	head, err := c.repo.Fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	c.reconcileDeploysLogged(ctx, head)
	req, err := c.decide(ctx, head, pipeline.Trigger{Kind: "push"})
	if err != nil {
		return nil, err
	}
	if req == nil && requeue != nil {
		req = requeue
	}
	if req == nil {
		return nil, nil
	}
	return c.runAndRecord(ctx, ctx, *req)
}

// openStore opens the artifact store for p.
func (c *Controller) openStore(ctx context.Context, p *pipeline.Pipeline) (store.Store, error) {
	loc, err := c.storeLocation(p)
	if err != nil {
		return nil, err
	}
	c.report.mu.Lock()
	st, url := c.store, c.storeURL
	c.report.mu.Unlock()
	if st != nil && url == loc.URL {
		return st, nil // a bucket store is opened once
	}
	if st, err = store.OpenAt(ctx, loc); err != nil {
		return nil, err
	}
	c.report.mu.Lock()
	c.store, c.storeURL = st, loc.URL
	c.report.mu.Unlock()
	return st, nil
}

// inputHashes is where runs remember the sha256 of input files
// (executor.Options.InputHashes): beside a folder store's objects, else in
// the state folder.
func (c *Controller) inputHashes(st store.Store) string {
	if l, ok := st.(*store.Local); ok {
		return filepath.Join(l.Root(), "cache", "inputs.json")
	}
	return filepath.Join(c.state.root, "inputs.json")
}

// Close releases the state folder for another process (or controller).
// Call it once Watch, Once or the deployer are done; the process's end
// releases it too.
func (c *Controller) Close() error { return c.lock.release() }

// Repo is the controller's clone of the repository.
func (c *Controller) Repo() *gitstore.Repo { return c.repo }

// Status returns what the controller sees now.
func (c *Controller) Status() Status { return c.status.snapshot() }
