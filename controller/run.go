package controller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// runAndRecord runs req under runCtx and publishes its record under ctx
// (which outlives runCtx at shutdown, so a cancelled run is still recorded).
func (c *Controller) runAndRecord(runCtx, ctx context.Context, req request) (*pipeline.Run, error) {
	r, runErr := c.execute(runCtx, req)
	c.status.update(func(s *Status) {
		s.Running = nil
		if s.LastRuns == nil {
			s.LastRuns = map[string]RunSummary{}
		}
		s.LastRuns[r.Pipeline] = summarize(r)
	})
	if err := c.record(ctx, r); err != nil {
		c.status.addError(err)
		return r, errors.Join(runErr, err)
	}
	return r, runErr
}

// execute runs the pipeline of req's commit on a clean checkout. It always
// returns a record: a commit that cannot be checked out or whose mlcd.yaml
// is invalid gives a failed run that says why.
func (c *Controller) execute(ctx context.Context, req request) (*pipeline.Run, error) {
	if req.Adopt != "" {
		return c.adopt(ctx, req)
	}
	now := time.Now().UTC()
	r := &pipeline.Run{
		Schema:   pipeline.RecordSchema,
		ID:       pipeline.NewRunID(now),
		Pipeline: pipelineName(ctx, c, req.Commit),
		Trigger:  req.Trigger,
		Git:      &pipeline.GitInfo{Commit: req.Commit, Branch: c.cfg.Branch},
		Status:   pipeline.StatusRunning,
		Start:    now,
		Tasks:    []*pipeline.TaskRecord{},
	}
	if err := c.state.saveRecord(r); err != nil {
		return fail(r, err), err
	}
	if err := c.state.saveSeen(seen{Commit: req.Commit}); err != nil {
		return fail(r, err), err
	}
	c.status.update(func(s *Status) { sum := summarize(r); s.Running = &sum })
	log := c.log.With("run", r.ID, "commit", short(req.Commit), "trigger", req.Trigger.Kind)
	log.Info("run starting", "changed", len(req.Paths))

	work := c.state.work(r.ID)
	defer os.RemoveAll(work)
	if err := c.repo.Checkout(ctx, req.Commit, work); err != nil {
		return c.finish(fail(r, fmt.Errorf("checkout %s: %w", short(req.Commit), err))), nil
	}
	p, err := loadPipeline(work)
	if err != nil {
		log.Warn("invalid pipeline, recording a failed run", "err", err)
		return c.finish(fail(r, err)), nil
	}
	r.Pipeline = p.Name
	st, err := c.openStore(ctx, p)
	if err != nil {
		return c.finish(fail(r, err)), nil
	}
	if !p.Executor.IsLocal() {
		done, runErr := c.runOnEngine(ctx, p, work, r, st)
		if done == nil {
			runErr = cancelled(ctx, runErr)
			return c.finish(fail(r, runErr)), runErr
		}
		log.Info("run finished", "status", done.Status, "executor", p.Executor.Type)
		return c.finish(done), runErr
	}
	done, runErr := executor.Run(ctx, p, executor.Options{
		Dir:         work,
		Store:       st,
		Cache:       true,
		InputHashes: c.inputHashes(st),
		Jobs:        c.cfg.Jobs,
		Trigger:     req.Trigger,
		Git:         r.Git,
		RunID:       r.ID,
		Env:         c.cfg.Env,
		Output:      c.cfg.Output,
		Logger:      c.cfg.Logger,
		KillGrace:   c.cfg.KillGrace,
		WorkDir:     filepath.Join(c.state.root, "tmp"),
	})
	if done == nil {
		return c.finish(fail(r, runErr)), runErr
	}
	log.Info("run finished", "status", done.Status)
	return c.finish(done), runErr
}

// finish keeps the final record in the state folder until it is pushed.
func (c *Controller) finish(r *pipeline.Run) *pipeline.Run {
	if r.End.IsZero() {
		r.End = time.Now().UTC()
	}
	if err := c.state.saveRecord(r); err != nil {
		c.status.addError(err)
	}
	return r
}

// cancelled is err, said to come of ctx's end when ctx ended: a run
// cancelled half way through its submission gets the error of the
// submission command that was killed (sbatch: signal: killed), which
// does not say why, and is a cancelled run all the same.
func cancelled(ctx context.Context, err error) error {
	if ctx.Err() == nil || errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w: %w", ctx.Err(), err)
}

func fail(r *pipeline.Run, err error) *pipeline.Run {
	r.Status = pipeline.StatusFailed
	if errors.Is(err, context.Canceled) {
		r.Status = pipeline.StatusCancelled
	}
	r.Error = err.Error()
	return r
}

// record publishes r (and the model versions it registers) as one bot
// commit, then forgets the copy kept in the state folder. Publishing twice
// is harmless: a record already on the branch is left as it is and
// registers nothing again.
func (c *Controller) record(ctx context.Context, r *pipeline.Run) error {
	runFiles, err := pipeline.MarshalRunFiles(r)
	if err != nil {
		return err
	}
	name := pipeline.RunRelPath(r.Pipeline, r.ID)
	data := runFiles[name]
	var registered []string
	build := func(ctx context.Context, tip fs.FS) (map[string][]byte, error) {
		registered = nil
		if existing, err := fs.ReadFile(tip, name); err == nil {
			if !bytes.Equal(existing, data) {
				c.log.Warn("the branch already holds a different record of this run; keeping the branch's", "run", r.ID)
			}
			return map[string][]byte{name: existing}, nil
		}
		files := maps.Clone(runFiles)
		reg, err := c.registry.Load(tip)
		if err != nil {
			c.status.addError(fmt.Errorf("run %s: registry on the branch is invalid, versions not registered: %w", r.ID, err))
			return files, nil
		}
		vfiles, versions, err := registry.RegisterFrom(ctx, reg, r, c.runStore(ctx, r))
		if err != nil {
			c.status.addError(fmt.Errorf("run %s: %w", r.ID, err))
		}
		for p, b := range vfiles {
			files[p] = b
		}
		for _, v := range versions {
			registered = append(registered, fmt.Sprintf("%s v%d", v.Model, v.Version))
		}
		return files, nil
	}
	msg := fmt.Sprintf("mlcd: record run %s (%s)", r.ID, r.Status)
	tip, err := c.repo.Publish(ctx, msg, build)
	if err != nil {
		return fmt.Errorf("record run %s (kept in %s, pushed on the next pass): %w", r.ID, c.state.record(r.ID), err)
	}
	c.log.Info("run recorded", "run", r.ID, "status", r.Status, "commit", short(tip), "versions", strings.Join(registered, ", "))
	c.refreshReport(ctx) // the tip or, when the branch moved meanwhile, a newer one
	c.autoPromote(ctx, r, tip)
	c.requestedPromotions(ctx, r, tip)
	return c.state.dropRecord(r.ID)
}

// runStore is the artifact store r's outputs went to (its commit's
// store:, else the configured one), through which MLflow model folders
// are registered; nil when it cannot be opened (Register then says so).
func (c *Controller) runStore(ctx context.Context, r *pipeline.Run) registry.ArtifactStore {
	var p *pipeline.Pipeline
	if r.Git != nil {
		p, _ = c.pipelineAt(ctx, r.Git.Commit)
	}
	st, err := c.openStore(ctx, p)
	if err != nil {
		c.log.Warn("open the store to register model folders", "run", r.ID, "err", err)
		return nil
	}
	return st
}

// recover finishes what a previous process left: records of runs that were
// going on when it died are marked interrupted, every kept record is
// published, and the interrupted run's commit is returned to run again
// (its finished tasks are cache hits). A run on an engine whose jobs were
// submitted is not interrupted: the request returned follows its jobs
// (adopt), which go on without the controller.
func (c *Controller) recover(ctx context.Context) (*request, error) {
	kept, err := c.state.records()
	if err != nil {
		return nil, err
	}
	var rerun, adopt *request
	var errs []error
	for _, r := range kept {
		if !r.Status.Done() && r.Git != nil && adopt == nil {
			if jobs, err := c.state.loadJobs(r.ID); err != nil {
				c.log.Warn("a run's kept job ids are unreadable; recording it interrupted", "run", r.ID, "err", err)
			} else if jobs != nil {
				adopt = &request{Commit: r.Git.Commit, Trigger: r.Trigger, Enqueued: time.Now().UTC(), Adopt: r.ID}
				continue // neither interrupted nor published: it goes on
			}
		}
		if !r.Status.Done() {
			interrupt(r)
			if err := c.state.saveRecord(r); err != nil {
				return nil, err
			}
			if r.Git != nil {
				rerun = &request{
					Commit:   r.Git.Commit,
					Trigger:  pipeline.Trigger{Kind: "recovery", Detail: "rerun of " + r.ID},
					Enqueued: time.Now().UTC(),
				}
			}
			c.log.Warn("run was interrupted; recording it and running its commit again", "run", r.ID)
		}
		if err := c.record(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	c.dropPublishedPending(ctx)
	if adopt != nil {
		rerun = adopt // what an interrupted run would rerun is in the commit's next run
	}
	return rerun, errors.Join(errs...)
}

// interrupt marks a run that a dead process left running.
func interrupt(r *pipeline.Run) {
	now := time.Now().UTC()
	r.Status = pipeline.StatusInterrupted
	r.Error = "the controller stopped during the run"
	r.End = now
	for _, t := range r.Tasks {
		if !t.Status.Done() {
			t.Status = pipeline.StatusInterrupted
			if t.End.IsZero() && !t.Start.IsZero() {
				t.End = now
			}
		}
	}
}

// dropPublishedPending forgets the bot commits that failed pushes kept once
// the records they carry are on the branch (the state folder republished
// them). Others stay for a person to look at.
func (c *Controller) dropPublishedPending(ctx context.Context) {
	pending, err := c.repo.Pending(ctx)
	if err != nil || len(pending) == 0 {
		return
	}
	head, err := c.repo.Fetch(ctx)
	if err != nil {
		return
	}
	tip, err := c.repo.FS(ctx, head)
	if err != nil {
		return
	}
	for _, pc := range pending {
		files, err := c.repo.PendingFiles(ctx, pc.Hash)
		if err != nil {
			continue
		}
		if allRecordsOn(tip, files) {
			_ = c.repo.DropPending(ctx, pc.Hash)
		}
	}
}

func allRecordsOn(tip fs.FS, files map[string][]byte) bool {
	for p := range files {
		if !strings.HasPrefix(p, pipeline.RunsDir+"/") {
			continue
		}
		if _, err := fs.Stat(tip, p); err != nil {
			return false
		}
	}
	return true
}

// loadPipeline parses the checkout's mlcd.yaml, naming it as the repository
// does in messages (mlcd.yaml:10:5, not a path in the state folder).
func loadPipeline(work string) (*pipeline.Pipeline, error) {
	data, err := os.ReadFile(filepath.Join(work, pipeline.FileName))
	if err != nil {
		return nil, fmt.Errorf("no %s at the root of the repository: %w", pipeline.FileName, err)
	}
	return pipeline.Parse(pipeline.FileName, data)
}
