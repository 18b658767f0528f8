package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// RunOptions tune Run.
type RunOptions struct {
	Poll   time.Duration // between polls of the jobs' states; 0 means 250ms
	Logger *slog.Logger
	// OnSubmit, when set, is called with the job ids once every task is
	// submitted.
	OnSubmit func(Jobs)
}

// Run submits s to e, waits for every job to end, and returns the run
// record assembled from the results (Collect), each task with its job id.
// A task whose job never ran because its upstream failed is recorded as a
// local run records it (upstream_failed or skipped, by its trigger rule).
// When ctx is cancelled, Run cancels the jobs, waits for them to end, and
// returns the record with the tasks that did not finish cancelled, and an
// error wrapping ctx's.
func Run(ctx context.Context, e Engine, st Store, s Submission, opts RunOptions) (*pipeline.Run, error) {
	jobs, err := e.Submit(ctx, s)
	if err != nil {
		if ctx.Err() != nil { // cancelled while submitting: say so
			err = errors.Join(ctx.Err(), err)
		}
		return nil, fmt.Errorf("submit run %s: %w", s.Plan.RunID, err)
	}
	logger(opts, s).Info("run submitted", "jobs", len(jobs))
	if opts.OnSubmit != nil {
		opts.OnSubmit(jobs)
	}
	return Follow(ctx, e, st, s, jobs, opts)
}

// Follow is Run from the jobs on: it waits for jobs, s's submitted jobs,
// to end, and assembles the record. A controller that restarts while its
// run's jobs go on follows them with it instead of submitting them again.
// OnSubmit is not called.
func Follow(ctx context.Context, e Engine, st Store, s Submission, jobs Jobs, opts RunOptions) (*pipeline.Run, error) {
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	log := logger(opts, s)
	bg := context.WithoutCancel(ctx)
	cancelled := false
	if err := wait(ctx, e, jobs, opts.Poll, log); err != nil {
		if ctx.Err() == nil { // the engine stopped answering: leave no jobs behind
			return nil, errors.Join(err, e.Cancel(bg, jobs))
		}
		cancelled = true
		log.Info("run cancelled: cancelling its jobs")
		if err := e.Cancel(bg, jobs); err != nil {
			return nil, fmt.Errorf("cancel run %s: %w", s.Plan.RunID, err)
		}
		if err := wait(bg, e, jobs, opts.Poll, log); err != nil {
			return nil, err
		}
	}
	if cancelled {
		if err := settleCancelled(bg, st, s, jobs); err != nil {
			return nil, err
		}
	}
	r, _, err := Collect(bg, st, s.Plan, s.Pipeline)
	if err != nil {
		return nil, err
	}
	for _, t := range r.Tasks {
		if t.JobID == "" {
			t.JobID = jobs[t.Name]
		}
	}
	if cancelled {
		r.Status, r.Error = pipeline.StatusCancelled, "cancelled"
		return r, fmt.Errorf("run %s: %w", r.ID, ctx.Err())
	}
	return r, nil
}

func logger(opts RunOptions, s Submission) *slog.Logger {
	l := opts.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return l.With("component", "engine", "run", s.Plan.RunID)
}

// maxPollFailures is how many polls in a row may fail (a controller
// restarting) before Run gives up on the engine.
const maxPollFailures = 120

// wait polls until every job has ended, cancelling the blocked ones. A
// job seen ended is not asked about again: on a 200-job run most polls
// would otherwise ask the engine about jobs long finished, and each poll
// is work for its controller (squeue is an RPC to slurmctld).
func wait(ctx context.Context, e Engine, jobs Jobs, every time.Duration, log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	open := maps.Clone(jobs)
	failures := 0
	for {
		states, err := e.Poll(ctx, open)
		switch {
		case err == nil:
			failures = 0
		case ctx.Err() != nil:
		case failures+1 >= maxPollFailures:
			return fmt.Errorf("poll jobs, %d times in a row: %w", maxPollFailures, err)
		default:
			failures++
			log.Warn("poll jobs", "err", err, "failures", failures)
		}
		blocked := Jobs{}
		if err == nil {
			for task, id := range open {
				switch states[task] {
				case JobEnded:
					delete(open, task)
				case JobBlocked:
					blocked[task] = id
				}
			}
			if len(open) == 0 {
				return nil
			}
		}
		if len(blocked) > 0 {
			log.Debug("cancelling jobs that can never start", "jobs", len(blocked))
			if err := e.Cancel(ctx, blocked); err != nil && ctx.Err() == nil {
				return fmt.Errorf("cancel blocked jobs: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// settleCancelled writes a cancelled result for each task of a cancelled
// run whose job ended without one, as in a local run: what had not
// finished is cancelled. (Of a run that was not cancelled, Collect decides
// the tasks whose jobs never ran.)
func settleCancelled(ctx context.Context, st Store, s Submission, jobs Jobs) error {
	pl := s.Plan
	for _, pt := range pl.Tasks {
		if _, err := ReadResult(ctx, st, pl, pt.Name); !errors.Is(err, ErrNoResult) {
			continue // a result, or one Collect rejects and says why
		}
		rec := &pipeline.TaskRecord{Name: pt.Name, Needs: pt.Needs, Status: pipeline.StatusCancelled, Error: "cancelled",
			End: time.Now().UTC().Truncate(time.Millisecond), JobID: jobs[pt.Name]}
		if t := s.Pipeline.Task(pt.Name); t != nil {
			rec.Model = t.Model
		}
		if err := WriteResult(ctx, st, pl, rec); err != nil {
			return err
		}
	}
	return nil
}
