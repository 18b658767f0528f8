package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/engine/slurm"
	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// runOnEngine is `mlcd run` of a pipeline whose executor is an engine
// (slurm): plan the run of the checkout's commit, submit it, wait for its
// jobs, collect the record and record it as a local run does. dir must be
// a clean checkout that the engine's machines see at the same path.
func runOnEngine(ctx context.Context, opts *globalOptions, ro *runOptions, p *pipeline.Pipeline, eo executor.Options, dir string, st engine.Store, out io.Writer) (*pipeline.Run, error) {
	if ro.noCache {
		return nil, badInput(fmt.Errorf("--no-cache: not available with executor %s (each job looks its task up in the store's cache)", p.Executor.Type))
	}
	_, spec, err := loadSpec(dir)
	if err != nil {
		return nil, err
	}
	h, ok := gitstore.WorkTreeHead(ctx, dir, pipeline.RunsDir, registry.Dir)
	switch {
	case !ok:
		return nil, badInput(fmt.Errorf("executor %s: %s is not a git checkout with a commit: the jobs run a commit", p.Executor.Type, dir))
	case h.Dirty:
		return nil, badInput(fmt.Errorf("executor %s: %s has uncommitted changes, which the jobs would not see; commit first", p.Executor.Type, dir))
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("executor %s: the mlcd binary for the jobs: %w", p.Executor.Type, err)
	}
	pl := engine.NewPlan(p, spec, h.Commit, h.Branch, eo.Trigger, eo.Params)
	if err := engine.WritePlan(ctx, st, pl); err != nil {
		return nil, err
	}
	log := newLogger(opts)
	var e engine.Engine
	switch p.Executor.Type {
	case pipeline.ExecutorSlurm:
		e = &slurm.Engine{Logger: log}
	default:
		return nil, fmt.Errorf("executor %q: no such engine", p.Executor.Type)
	}
	loc, err := locateStore(ro.ctl.store, dir, p.Store, os.Getenv)
	if err != nil {
		return nil, err
	}
	sub := engine.Submission{Plan: pl, Pipeline: p, Dir: dir, Store: loc.URL, Mlcd: exe}
	return engine.Run(ctx, e, st, sub, engine.RunOptions{Logger: log, OnSubmit: func(jobs engine.Jobs) {
		fmt.Fprintf(out, "run %s: %d tasks submitted to %s: %s\n", pl.RunID, len(jobs), p.Executor.Type, jobList(jobs))
	}})
}

func jobList(jobs engine.Jobs) string {
	var parts []string
	for _, task := range slices.Sorted(maps.Keys(jobs)) {
		parts = append(parts, task+"="+jobs[task])
	}
	return strings.Join(parts, " ")
}
