package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

func runTaskCollect(ctx context.Context, opts *globalOptions, to *taskOptions, out io.Writer) error {
	if to.run == "" {
		return badInput(errors.New("give the run: --run RUN-ID"))
	}
	dir, st, pl, err := openPlan(ctx, to)
	if err != nil {
		return err
	}
	p, spec, err := loadSpec(dir) // only for the models of lost tasks, when it is the plan's
	if err != nil || engine.SpecDigest(spec) != pl.SpecSHA256 {
		p = nil
	}
	r, problems, err := engine.Collect(ctx, st, pl, p)
	if err != nil {
		return err
	}
	for _, e := range problems {
		fmt.Fprintf(opts.stderr, "mlcd: %v: recorded as failed\n", e)
	}
	if to.push {
		err = publishRun(ctx, opts, dir, r, st)
	} else {
		err = recordLocal(out, dir, r)
	}
	if err != nil {
		return err
	}
	if r.Status != pipeline.StatusSuccess {
		return fmt.Errorf("run %s %s: %s", r.ID, r.Status, strings.Join(failedTasks(r), ", "))
	}
	return nil
}

// recordLocal writes r and registers its versions in the working tree,
// as `mlcd run` does.
func recordLocal(out io.Writer, dir string, r *pipeline.Run) error {
	if err := pipeline.WriteRun(dir, r); err != nil {
		return err
	}
	printSummary(out, dir, r)
	return registerLocal(out, dir, r)
}

// publishRun commits r and the versions it registers as the bot, on the
// run's branch of the checkout's origin, as the controller records a run:
// a record already on the branch is kept and registers nothing again.
func publishRun(ctx context.Context, opts *globalOptions, dir string, r *pipeline.Run, st registry.ArtifactStore) error {
	remote, err := gitstore.LocateRemote(dir)
	if err != nil {
		return fmt.Errorf("--push: %w", err)
	}
	tmp, err := os.MkdirTemp("", "mlcd-collect-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	branch := r.Git.Branch
	if branch == "" {
		branch = "main"
	}
	log := newLogger(opts)
	if !opts.debug {
		log = slog.New(slog.NewTextHandler(opts.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	repo, err := gitstore.Open(ctx, filepath.Join(tmp, "repo.git"), gitstore.Options{URL: remote.URL, Branch: branch, Logger: log})
	if err != nil {
		return err
	}
	runFiles, err := pipeline.MarshalRunFiles(r)
	if err != nil {
		return err
	}
	name := pipeline.RunRelPath(r.Pipeline, r.ID)
	var regErr error
	build := func(ctx context.Context, tip fs.FS) (map[string][]byte, error) {
		regErr = nil
		if existing, err := fs.ReadFile(tip, name); err == nil {
			if !bytes.Equal(existing, runFiles[name]) {
				log.Warn("the branch already holds a different record of this run; keeping the branch's", "run", r.ID)
			}
			return map[string][]byte{name: existing}, nil
		}
		files := maps.Clone(runFiles)
		reg, err := registry.Load(tip)
		if err != nil {
			regErr = fmt.Errorf("registry on %s is invalid, versions not registered: %w", branch, err)
			return files, nil
		}
		vfiles, _, err := registry.RegisterFrom(ctx, reg, r, st)
		regErr = err
		maps.Copy(files, vfiles)
		return files, nil
	}
	tip, err := repo.Publish(ctx, fmt.Sprintf("mlcd: record run %s (%s)", r.ID, r.Status), build)
	if err != nil {
		return fmt.Errorf("record run %s: %w", r.ID, err)
	}
	fmt.Fprintf(opts.stdout, "mlcd: run %s of %s: %s, recorded in %s at %.12s on %s\n", r.ID, r.Pipeline, r.Status, name, tip, branch)
	if regErr != nil {
		return fmt.Errorf("run %s: %w", r.ID, regErr)
	}
	return nil
}
