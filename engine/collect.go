package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// Collect assembles the record of pl's run from its tasks' results. A task
// without a result whose job never ran because of its upstreams (an engine
// that skips or cancels the jobs after a failed one) gets what its trigger
// rule says, as in a local run: upstream_failed or skipped. Any other task
// whose result is missing or fails the checks of ReadResult is recorded
// as failed, with the reason, and reported in problems; the record is
// always whole. p, when not nil, is the run's pipeline: it gives the
// tasks' trigger rules (else all_success) and a lost model task its model,
// as a local run's record has it.
func Collect(ctx context.Context, st Store, pl *Plan, p *pipeline.Pipeline) (r *pipeline.Run, problems []error, err error) {
	r = &pipeline.Run{
		Schema: pipeline.RecordSchema, ID: pl.RunID, Pipeline: pl.Pipeline, Trigger: pl.Trigger,
		Git:    &pipeline.GitInfo{Commit: pl.Commit, Branch: pl.Branch},
		Params: pl.Params, Start: pl.Created,
	}
	recs := map[string]*pipeline.TaskRecord{}
	missing := map[string]bool{}
	for _, pt := range pl.Tasks {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		rec, err := ReadResult(ctx, st, pl, pt.Name)
		switch {
		case errors.Is(err, ErrNoResult):
			missing[pt.Name] = true
		case err != nil:
			problems = append(problems, err)
			rec = lostTask(pt, err, p)
		}
		recs[pt.Name] = rec
	}
	for _, pt := range pl.Tasks {
		rec := settled(pl, pt, p, recs, missing, map[string]bool{})
		if missing[pt.Name] && rec.Status == pipeline.StatusFailed { // lost
			problems = append(problems, fmt.Errorf("task %s: %w", pt.Name, ErrNoResult))
		}
		if rec.End.After(r.End) {
			r.End = rec.End
		}
		r.Tasks = append(r.Tasks, rec)
	}
	if r.End.IsZero() {
		r.End = r.Start
	}
	r.Status = executor.RunStatus(r.Tasks)
	return r, problems, nil
}

// settled returns the record of pt, deciding it first when its result is
// missing (recs holds no record): the trigger rule given its upstreams'
// records says whether the task would not have run (upstream_failed, skipped); if it should have
// run, it is lost. visiting guards against a cycle in a corrupt plan.
func settled(pl *Plan, pt PlanTask, p *pipeline.Pipeline, recs map[string]*pipeline.TaskRecord, missing, visiting map[string]bool) *pipeline.TaskRecord {
	if rec := recs[pt.Name]; rec != nil || !missing[pt.Name] {
		return rec
	}
	lost := lostTask(pt, ErrNoResult, p)
	if visiting[pt.Name] {
		return lost
	}
	visiting[pt.Name] = true
	ups := make([]pipeline.Status, len(pt.Needs))
	var end time.Time // when the last upstream ended, and the task was decided
	for i, u := range pt.Needs {
		ups[i] = pipeline.StatusFailed // an upstream the plan does not hold
		if ut := pl.Task(u); ut != nil {
			up := settled(pl, *ut, p, recs, missing, visiting)
			ups[i] = up.Status
			if up.End.After(end) {
				end = up.End
			}
		}
	}
	rule := pipeline.AllSuccess
	if p != nil {
		if t := p.Task(pt.Name); t != nil {
			rule = t.TriggerRule
		}
	}
	rec := lost
	if verdict := executor.Decide(rule, ups); verdict != pipeline.StatusQueued {
		// as in a local run: a task that never started has an end, no start
		rec = &pipeline.TaskRecord{Name: pt.Name, Needs: pt.Needs, Status: verdict, End: end, Model: lost.Model}
	}
	recs[pt.Name] = rec
	return rec
}

// lostTask is the record of a task without a valid result: failed, with
// why. A task that never reported may have run; the record says only what
// mlcd knows.
func lostTask(pt PlanTask, err error, p *pipeline.Pipeline) *pipeline.TaskRecord {
	rec := &pipeline.TaskRecord{Name: pt.Name, Needs: pt.Needs, Status: pipeline.StatusFailed}
	if errors.Is(err, ErrNoResult) {
		rec.Error = "lost: no result in the store (the job died, or never ran)"
	} else {
		rec.Error = fmt.Sprintf("lost: %v", err)
	}
	if p != nil {
		if t := p.Task(pt.Name); t != nil {
			rec.Model = t.Model
		}
	}
	return rec
}
