package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
	"github.com/mlcd-dev/mlcd/watcher"
)

// LocalConfig configures development mode on a working tree.
type LocalConfig struct {
	Dir    string      // the working tree; required
	Store  store.Store // required
	Jobs   int
	Env    []string
	Output io.Writer
	Logger *slog.Logger
	// OnRun, when set, is called with each finished run's record.
	OnRun func(*pipeline.Run)
}

// WatchLocal runs the pipeline of a working tree each time a file that
// on.paths matches is saved (debounced), writes the record under
// Dir/runs/, and commits nothing. It returns when ctx ends.
func WatchLocal(ctx context.Context, cfg LocalConfig) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("component", "local")
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return err
	}
	var current atomic.Pointer[pipeline.Pipeline]
	if p, err := pipeline.Load(dir); err == nil {
		current.Store(p)
	} else {
		log.Warn("invalid pipeline; waiting for a fix", "err", err)
	}
	src, err := watcher.NewLocal(watcher.LocalConfig{
		Root:   dir,
		Match:  func(rel string) bool { return matchOnPaths(current.Load(), rel) },
		Logger: cfg.Logger,
		OnError: func(err error) {
			log.Warn("file watch", "err", err)
		},
	})
	if err != nil {
		return err
	}
	events := make(chan watcher.Event, 4)
	errc := make(chan error, 1)
	go func() { errc <- src.Run(ctx, events) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("watch %s: %w", dir, err)
			}
			return nil
		case ev := <-events:
			p, err := pipeline.Load(dir)
			if err != nil {
				fmt.Fprintf(outputOf(cfg), "mlcd: %s changed but the pipeline is invalid:\n%v\n", dir, err)
				continue
			}
			current.Store(p)
			log.Info("change", "paths", ev.Paths)
			r, err := runLocal(ctx, dir, p, cfg, ev)
			if err != nil && !errors.Is(err, context.Canceled) {
				log.Error("run", "err", err)
			}
			if r != nil && cfg.OnRun != nil {
				cfg.OnRun(r)
			}
		}
	}
}

func runLocal(ctx context.Context, dir string, p *pipeline.Pipeline, cfg LocalConfig, ev watcher.Event) (*pipeline.Run, error) {
	r, err := executor.Run(ctx, p, executor.Options{
		Dir:         dir,
		Store:       cfg.Store,
		Cache:       true,
		InputHashes: localInputHashes(cfg.Store),
		Jobs:        cfg.Jobs,
		Trigger:     pipeline.Trigger{Kind: string(watcher.KindLocal), Detail: ev.Detail()},
		Env:         cfg.Env,
		Output:      cfg.Output,
		Logger:      cfg.Logger,
	})
	if r == nil {
		return nil, err
	}
	if werr := pipeline.WriteRun(dir, r); werr != nil {
		return r, errors.Join(err, werr)
	}
	return r, err
}

// localInputHashes is where runs remember the sha256 of input files:
// beside a folder store's objects, else in the user's cache folder.
func localInputHashes(st store.Store) string {
	if l, ok := st.(*store.Local); ok {
		return filepath.Join(l.Root(), "cache", "inputs.json")
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "mlcd", "inputs.json")
	}
	return ""
}

// matchOnPaths reports whether a change to rel concerns p.
func matchOnPaths(p *pipeline.Pipeline, rel string) bool {
	if botPath(rel) {
		return false
	}
	if p == nil || len(p.OnPaths) == 0 {
		return true
	}
	for _, glob := range p.OnPaths {
		if pipeline.MatchPath(glob, rel) {
			return true
		}
	}
	return false
}

func outputOf(cfg LocalConfig) io.Writer {
	if cfg.Output == nil {
		return io.Discard
	}
	return cfg.Output
}
