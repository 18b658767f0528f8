package watcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long local mode waits for a burst of changes (an
// editor's save, a `git checkout`) to end before it reports them.
const DefaultDebounce = 300 * time.Millisecond

// LocalConfig configures a Local watcher.
type LocalConfig struct {
	Root string // the working tree; required
	// Match says which changed paths (slash-separated, relative to Root) may
	// start a run: the pipeline's on.paths. nil matches every path.
	Match func(rel string) bool
	// SkipDir says which directories are not watched at all; DefaultSkipDir
	// when nil.
	SkipDir func(rel string) bool
	// Debounce is the quiet time after the last change before a batch is
	// sent; DefaultDebounce when 0. A batch never waits more than three
	// times Debounce after its first change, even if changes keep coming.
	Debounce time.Duration
	// OnError, when set, hears errors that do not stop the watcher (a folder
	// that cannot be watched, an event queue overflow), instead of the log.
	OnError func(error)
	Logger  *slog.Logger // slog.Default() when nil
}

// Local watches a working tree with fsnotify: every directory under Root,
// recursively, adding the ones that appear. It sends one KindLocal Event per
// batch of changes that has at least one matching path.
type Local struct {
	cfg  LocalConfig
	root string // absolute, clean
	log  *slog.Logger

	watching func() // tests: called once every folder is watched
}

// NewLocal checks cfg and fills in its defaults.
func NewLocal(cfg LocalConfig) (*Local, error) {
	if cfg.Root == "" {
		return nil, errors.New("local watch: no root directory")
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("local watch: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("local watch: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("local watch: %s is not a directory", root)
	}
	if cfg.Debounce < 0 {
		return nil, fmt.Errorf("local watch: negative debounce %s", cfg.Debounce)
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Match == nil {
		cfg.Match = func(string) bool { return true }
	}
	if cfg.SkipDir == nil {
		cfg.SkipDir = DefaultSkipDir
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Local{cfg: cfg, root: root, log: log.With("component", "watcher", "source", "local")}, nil
}

// Run watches until ctx is done and returns nil; it returns an error when
// the tree cannot be watched at all (no inotify, the root is gone).
func (l *Local) Run(ctx context.Context, out chan<- Event) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("local watch: %w", err)
	}
	defer w.Close()
	r := &localRun{Local: l, w: w, pending: map[string]bool{}}
	if err := r.addTree(l.root, false); err != nil {
		return err
	}
	l.log.Debug("watching", "root", l.root, "dirs", len(w.WatchList()))
	if l.watching != nil {
		l.watching()
	}
	return r.loop(ctx, out)
}

// localRun is the state of one Run; only its goroutine touches it.
type localRun struct {
	*Local
	w        *fsnotify.Watcher
	pending  map[string]bool // changed paths not yet batched
	overflow bool            // events were lost since the last batch
	first    time.Time       // first change of the pending batch
	ready    *Event          // a batch the receiver has not taken yet
}

func (r *localRun) loop(ctx context.Context, out chan<- Event) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		var sendTo chan<- Event // nil (never ready) unless a batch waits
		var ev Event
		if r.ready != nil {
			sendTo, ev = out, *r.ready
		}
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-r.w.Events:
			if !ok {
				return errors.New("local watch: fsnotify closed its event channel")
			}
			if r.handle(e) {
				timer.Reset(r.wait())
			}
		case err, ok := <-r.w.Errors:
			if !ok {
				return errors.New("local watch: fsnotify closed its error channel")
			}
			if r.handleError(err) {
				timer.Reset(r.wait())
			}
		case <-timer.C:
			r.flush()
		case sendTo <- ev:
			r.ready = nil
		}
	}
}

// wait returns how long to wait before the pending batch is sent: the
// debounce from now, but no later than three debounces after its start.
func (r *localRun) wait() time.Duration {
	now := time.Now()
	if r.first.IsZero() {
		r.first = now
	}
	return max(0, min(r.cfg.Debounce, r.first.Add(3*r.cfg.Debounce).Sub(now)))
}
