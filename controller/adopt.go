package controller

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// submitted is jobs/<run>.json in the state folder: the jobs a run on an
// engine submitted, kept until the run ends. Slurm jobs outlive the
// controller that submitted them; a controller that starts again follows
// them to their end instead of submitting the run a second time (which
// would leave the first jobs running, holding the cluster's GPUs, with
// nobody to read their results).
type submitted struct {
	Executor string      `json:"executor"`
	Jobs     engine.Jobs `json:"jobs"`
}

func (s stateDir) jobsFile(runID string) string {
	return filepath.Join(s.root, "jobs", runID+".json")
}

func (s stateDir) saveJobs(runID string, v submitted) error {
	if err := os.MkdirAll(filepath.Join(s.root, "jobs"), 0o755); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return s.saveJSON(filepath.Join("jobs", runID+".json"), v)
}

// loadJobs returns the jobs kept for runID, or nil when there are none.
func (s stateDir) loadJobs(runID string) (*submitted, error) {
	if _, err := os.Stat(s.jobsFile(runID)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	v := &submitted{}
	if err := s.loadJSON(filepath.Join("jobs", runID+".json"), v); err != nil {
		return nil, err
	}
	if v.Executor == "" || len(v.Jobs) == 0 {
		return nil, fmt.Errorf("read state %s: no executor or no jobs", s.jobsFile(runID))
	}
	return v, nil
}

func (s stateDir) dropJobs(runID string) error {
	err := os.Remove(s.jobsFile(runID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// adopt follows the jobs of run req.Adopt, which a controller that died
// submitted, to their end, and returns the run's record as execute does:
// the same run, assembled from its tasks' results. When the jobs cannot be
// followed (the plan is gone from the store, the engine is unknown), they
// are cancelled and the run is recorded interrupted, saying why.
func (c *Controller) adopt(ctx context.Context, req request) (*pipeline.Run, error) {
	r, err := pipeline.ReadRun(c.state.record(req.Adopt))
	if err != nil {
		return c.finish(fail(&pipeline.Run{Schema: pipeline.RecordSchema, ID: req.Adopt, Trigger: req.Trigger,
			Git: &pipeline.GitInfo{Commit: req.Commit, Branch: c.cfg.Branch}, Tasks: []*pipeline.TaskRecord{}}, err)), err
	}
	jobs, err := c.state.loadJobs(r.ID)
	if err != nil || jobs == nil {
		return c.abandon(ctx, r, nil, nil, fmt.Errorf("the run's job ids: %w", orNoJobs(err)))
	}
	e, err := c.engineFor(jobs.Executor)
	if err != nil {
		return c.abandon(ctx, r, nil, jobs, err)
	}
	log := c.log.With("run", r.ID, "executor", jobs.Executor)
	log.Warn("the controller stopped during this run; following its jobs", "jobs", len(jobs.Jobs))
	c.status.update(func(s *Status) { sum := summarize(r); s.Running = &sum })
	work := c.state.work(r.ID)
	defer os.RemoveAll(work)
	if err := os.RemoveAll(work); err != nil { // the dead controller's checkout
		return c.abandon(ctx, r, e, jobs, err)
	}
	if err := c.repo.Checkout(ctx, r.Git.Commit, work); err != nil {
		return c.abandon(ctx, r, e, jobs, err)
	}
	p, err := loadPipeline(work)
	if err != nil {
		return c.abandon(ctx, r, e, jobs, err)
	}
	st, err := c.openStore(ctx, p)
	if err != nil {
		return c.abandon(ctx, r, e, jobs, err)
	}
	pl, err := engine.ReadPlan(ctx, st, r.ID)
	if err != nil {
		return c.abandon(ctx, r, e, jobs, err)
	}
	done, runErr := engine.Follow(ctx, e, st, engine.Submission{Plan: pl, Pipeline: p}, jobs.Jobs, engine.RunOptions{Logger: c.cfg.Logger})
	c.forgetJobs(r.ID)
	if done == nil {
		return c.finish(fail(r, runErr)), runErr
	}
	log.Info("run finished", "status", done.Status)
	return c.finish(done), runErr
}

// abandon cancels the jobs of a run that cannot be followed (when e can)
// and records the run interrupted, with why.
func (c *Controller) abandon(ctx context.Context, r *pipeline.Run, e engine.Engine, jobs *submitted, why error) (*pipeline.Run, error) {
	if e != nil && jobs != nil {
		if err := e.Cancel(context.WithoutCancel(ctx), jobs.Jobs); err != nil {
			why = errors.Join(why, fmt.Errorf("cancel its jobs: %w", err))
		}
	}
	c.forgetJobs(r.ID)
	interrupt(r)
	r.Error = fmt.Sprintf("the controller stopped during the run, and its jobs could not be followed: %v", why)
	c.log.Error("a run's jobs could not be followed", "run", r.ID, "err", why)
	return c.finish(r), nil
}

func orNoJobs(err error) error {
	if err == nil {
		return errors.New("none kept")
	}
	return err
}
