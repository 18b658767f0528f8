package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/mlcd-dev/mlcd/internal/tempdir"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// Store is what the executor needs of the artifact store: objects, and
// the documents that hold the task cache index; every store.Store is one.
type Store interface {
	Put(ctx context.Context, r io.Reader) (store.Object, error)
	PutFile(ctx context.Context, path string) (store.Object, error)
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
	Has(ctx context.Context, digest string) (bool, error)
	ReadDoc(ctx context.Context, name string) ([]byte, error)
	WriteDoc(ctx context.Context, name string, data []byte) error
}

var _ Store = store.Store(nil)

// DefaultKillGrace is how long a task has between SIGTERM and SIGKILL.
const DefaultKillGrace = 5 * time.Second

// Options configure one run. Only Store is required.
type Options struct {
	Dir   string // the checkout the tasks run in; "" is the current folder
	Store Store
	// Cache turns the task cache on: its index is the store's documents
	// cache/<key>, shared by every machine using the store.
	Cache bool
	// InputHashes is a file of this machine where the sha256 of input
	// files is remembered by their stat, so that unchanged data is not
	// read again; "" rehashes every input of every run.
	InputHashes string
	Jobs        int // tasks running at once; 0 means runtime.NumCPU()
	// NoCache runs every task even when its key is in the index; the results
	// are still indexed for the next run.
	NoCache bool
	Params  pipeline.Params // overrides of the pipeline's params
	Trigger pipeline.Trigger
	Git     *pipeline.GitInfo
	RunID   string // "" makes a new one (pipeline.NewRunID)
	// Env is added to os.Environ() for every task, before the task's own
	// env and the protocol variables ("KEY=VALUE" entries). mlcd's own
	// secrets (pipeline.SecretEnv) are left out of os.Environ(): a task
	// receives those its secrets: lists, and their values are masked in
	// every task's output.
	Env []string

	Output   io.Writer // task output, prefixed "[task] ", and status lines; nil discards
	Terminal bool      // Output is a terminal: keep a progress line at the bottom
	Logger   *slog.Logger

	// OnChange is called, from the scheduling goroutine, each time the record
	// changes. It must not keep or modify r after it returns.
	OnChange func(r *pipeline.Run)

	// NoTracking turns off the MLflow tracking endpoint (docs/mlflow.md)
	// that otherwise serves the run's tasks on a loopback port.
	NoTracking bool

	KillGrace time.Duration // between SIGTERM and SIGKILL; 0 means DefaultKillGrace
	WorkDir   string        // parent of the run's scratch folder; "" is os.TempDir()

	stopWait time.Duration // awaitStop's bound; 0 means stopSignalWait (tests set it)
}

func (o Options) withDefaults() Options {
	if o.Jobs <= 0 {
		o.Jobs = runtime.NumCPU()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.KillGrace <= 0 {
		o.KillGrace = DefaultKillGrace
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.stopWait <= 0 {
		o.stopWait = stopSignalWait
	}
	return o
}

// Run runs p and returns its record. The error is nil when the run
// finished, whether it succeeded or failed (see the record's Status); it
// wraps context.Canceled when ctx was cancelled, and the record then says
// cancelled. Other errors mean the run could not be carried out at all.
func Run(ctx context.Context, p *pipeline.Pipeline, opts Options) (*pipeline.Run, error) {
	opts = opts.withDefaults()
	if opts.Store == nil {
		return nil, errors.New("run: no artifact store")
	}
	nodes, err := plan(p)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", p.Name, err)
	}
	return runNodes(ctx, p, opts, newRecord(p, opts, nodes), nodes)
}

// runNodes schedules nodes, which may be a part of r's tasks (RunTask);
// the others must have final records.
func runNodes(ctx context.Context, p *pipeline.Pipeline, opts Options, r *pipeline.Run, nodes []*node) (*pipeline.Run, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", p.Name, err)
	}
	opts.Dir = dir
	held, err := tempdir.New(opts.WorkDir, "mlcd-run-") // also removes those of killed runs
	if err != nil {
		return nil, fmt.Errorf("run %s: scratch folder: %w", p.Name, err)
	}
	defer held.Remove()
	work := held.Path
	if work, err = filepath.EvalSymlinks(work); err != nil { // outputs are checked against it
		return nil, fmt.Errorf("run %s: scratch folder: %w", p.Name, err)
	}
	s := &scheduler{opts: opts, run: r, nodes: nodes, work: work, scratch: &scratch{root: work}, inputs: &inputHashes{}, log: opts.Logger.With("component", "executor", "run", r.ID)}
	if err := s.prepare(); err != nil {
		return nil, fmt.Errorf("run %s: %w", p.Name, err)
	}
	defer s.devNull.Close()
	if !opts.NoTracking {
		stop, err := s.startTracking(p)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", p.Name, err)
		}
		defer stop()
	}
	if opts.Cache {
		s.inputs.file = opts.InputHashes
	}
	s.loop(ctx)
	if err := s.inputs.save(); err != nil {
		s.log.Warn("input hashes not saved", "err", err)
	}
	if err := ctx.Err(); err != nil {
		return r, fmt.Errorf("run %s: %w", r.ID, err)
	}
	return r, nil
}

func newRecord(p *pipeline.Pipeline, opts Options, nodes []*node) *pipeline.Run {
	params := pipeline.Params{}
	maps.Copy(params, p.Params)
	maps.Copy(params, opts.Params)
	id := opts.RunID
	start := now()
	if id == "" {
		id = pipeline.NewRunID(start)
	}
	r := &pipeline.Run{
		Schema:   pipeline.RecordSchema,
		ID:       id,
		Pipeline: p.Name,
		Trigger:  opts.Trigger,
		Git:      opts.Git,
		Params:   params,
		Status:   pipeline.StatusRunning,
		Start:    start,
	}
	if r.Trigger.Kind == "" {
		r.Trigger.Kind = "manual"
	}
	for _, n := range nodes {
		r.Tasks = append(r.Tasks, n.rec)
	}
	return r
}

// prepare writes the params file and the environment every task shares.
func (s *scheduler) prepare() error {
	data, err := json.MarshalIndent(s.run.Params, "", "  ")
	if err != nil {
		return fmt.Errorf("params: %w", err)
	}
	paramsFile := filepath.Join(s.work, "params.json")
	if err := os.WriteFile(paramsFile, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("params: %w", err)
	}
	hideEnviron()
	environ := os.Environ()
	s.baseEnv = append(baseEnv(s.run, paramsFile, environ), s.opts.Env...)
	s.secrets = secretsOf(environ)
	s.masks = maskValues(s.secrets)
	if s.devNull, err = os.Open(os.DevNull); err != nil {
		return fmt.Errorf("stdin of tasks: %w", err)
	}
	s.disp = newDisplay(s.opts.Output, s.opts.Terminal, len(s.nodes))
	s.reaper = processReaper(s.log)
	return nil
}

// now is the time written to records: UTC, to the millisecond.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
