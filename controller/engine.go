package controller

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/engine/slurm"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// runOnEngine runs r, a run of p (checked out in work), as jobs of the
// engine p's executor names: the run is planned under r's id, each job
// runs `mlcd task exec` in a git checkout of the commit in the state
// folder, and the record is assembled from the tasks' results. Cancelling
// ctx cancels the jobs. It returns nil and the error when the run could
// not be submitted.
func (c *Controller) runOnEngine(ctx context.Context, p *pipeline.Pipeline, work string, r *pipeline.Run, st store.Store) (*pipeline.Run, error) {
	e, err := c.engineFor(p.Executor.Type)
	if err != nil {
		return nil, err
	}
	spec, err := os.ReadFile(filepath.Join(work, pipeline.FileName))
	if err != nil {
		return nil, fmt.Errorf("executor %s: %w", p.Executor.Type, err)
	}
	loc, err := c.storeLocation(p)
	if err != nil {
		return nil, err
	}
	mlcd, err := c.mlcdBinary()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.state.jobLogs(), 0o755); err != nil {
		return nil, fmt.Errorf("executor %s: %w", p.Executor.Type, err)
	}
	dir, err := c.jobCheckout(ctx, r.Git.Commit)
	if err != nil {
		return nil, fmt.Errorf("executor %s: %w", p.Executor.Type, err)
	}
	pl := engine.NewPlan(p, spec, r.Git.Commit, r.Git.Branch, r.Trigger, nil)
	pl.RunID = r.ID
	if err := engine.WritePlan(ctx, st, pl); err != nil {
		return nil, err
	}
	sub := engine.Submission{Plan: pl, Pipeline: p, Dir: dir, Store: loc.URL, Mlcd: mlcd}
	log := c.log.With("run", r.ID)
	defer c.forgetJobs(r.ID)
	defer c.pruneJobLogs(keptJobLogRuns)
	return engine.Run(ctx, e, st, sub, engine.RunOptions{Logger: c.cfg.Logger, OnSubmit: func(jobs engine.Jobs) {
		log.Info("run submitted", "executor", p.Executor.Type, "jobs", len(jobs))
		// Kept until the run ends: a controller that dies meanwhile
		// follows these jobs when it starts again (adopt).
		if err := c.state.saveJobs(r.ID, submitted{Executor: p.Executor.Type, Jobs: jobs}); err != nil {
			log.Warn("keep the run's job ids; a restart would not find its jobs", "err", err)
			c.status.addError(err)
		}
	}})
}

// engineFor is the engine of the executor mlcd.yaml names.
func (c *Controller) engineFor(executor string) (engine.Engine, error) {
	switch executor {
	case pipeline.ExecutorSlurm:
		return &slurm.Engine{Env: c.cfg.Env, LogDir: c.state.jobLogs(), Logger: c.cfg.Logger}, nil
	}
	return nil, fmt.Errorf("executor %q: no such engine", executor)
}

func (c *Controller) forgetJobs(runID string) {
	if err := c.state.dropJobs(runID); err != nil {
		c.log.Warn("forget the job ids of a finished run", "run", runID, "err", err)
	}
}

// mlcdBinary is the mlcd the jobs run: Config.Mlcd, else this program.
func (c *Controller) mlcdBinary() (string, error) {
	if c.cfg.Mlcd != "" {
		return filepath.Abs(c.cfg.Mlcd)
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("the mlcd binary for the jobs: %w", err)
	}
	return exe, nil
}

// jobCheckout returns a git checkout of commit in the state folder, made
// from the controller's clone, in which `mlcd task exec` finds the commit
// at HEAD. It is reused by the runs of the same commit; the checkouts of
// other commits are removed (the controller runs one run at a time).
func (c *Controller) jobCheckout(ctx context.Context, commit string) (string, error) {
	root := c.state.checkouts()
	dir := filepath.Join(root, commit)
	if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil { // not a checkout around the state folder
		if h, ok := gitstore.WorkTreeHead(ctx, dir, pipeline.RunsDir); ok && h.Commit == commit && !h.Dirty {
			return dir, nil
		}
	}
	if err := os.RemoveAll(root); err != nil {
		return "", fmt.Errorf("checkout for the jobs: %w", err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("checkout for the jobs: %w", err)
	}
	tmp, err := os.MkdirTemp(root, ".clone-*")
	if err != nil {
		return "", fmt.Errorf("checkout for the jobs: %w", err)
	}
	defer os.RemoveAll(tmp)
	// The clone goes into the empty temporary folder's place.
	if err := os.Remove(tmp); err != nil {
		return "", fmt.Errorf("checkout for the jobs: %w", err)
	}
	if err := gitstore.CloneAt(ctx, c.state.repo(), tmp, commit); err != nil {
		return "", fmt.Errorf("checkout for the jobs: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("checkout for the jobs: %w", err)
	}
	return dir, nil
}

// keptJobLogRuns is how many runs' job logs (what mlcd printed in each
// job, the evidence when a job died without a result) the state folder
// keeps; a daemon would otherwise keep one file per task and run forever.
const keptJobLogRuns = 50

// pruneJobLogs removes the job logs of all but the newest keep runs. The
// files are named mlcd-<run>-<task>-<job>.out, and run ids sort by time.
func (c *Controller) pruneJobLogs(keep int) {
	entries, err := os.ReadDir(c.state.jobLogs())
	if err != nil {
		return
	}
	byRun := map[string][]string{}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "mlcd-")
		parts := strings.SplitN(rest, "-", 3) // time, random, task-job.out
		if !ok || len(parts) < 3 || !e.Type().IsRegular() {
			continue
		}
		id := parts[0] + "-" + parts[1]
		byRun[id] = append(byRun[id], e.Name())
	}
	runs := slices.Sorted(maps.Keys(byRun))
	for _, id := range runs[:max(0, len(runs)-keep)] {
		for _, name := range byRun[id] {
			if err := os.Remove(filepath.Join(c.state.jobLogs(), name)); err != nil {
				c.log.Warn("prune job logs", "err", err)
				return
			}
		}
	}
}
