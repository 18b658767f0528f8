package executor

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// RunTask runs the one task called name of a run whose other tasks ran
// elsewhere (`mlcd task exec`): ups holds the final records of the task's
// upstreams, as their machines reported them; a missing one counts as
// failed. The task gets the same protocol, cache key, retries, timeout and
// masking as in Run; an upstream's outputs are restored from opts.Store for
// MLCD_IN_<TASK>. When its trigger rule says no, the task does not run and
// its record says upstream_failed or skipped.
//
// opts.RunID and opts.Params should be the run's, so that the run's tasks
// share both; the returned record is the task's, its Start and End the
// task's own.
func RunTask(ctx context.Context, p *pipeline.Pipeline, name string, ups map[string]*pipeline.TaskRecord, opts Options) (*pipeline.TaskRecord, error) {
	opts = opts.withDefaults()
	if opts.Store == nil {
		return nil, errors.New("run task: no artifact store")
	}
	nodes, err := plan(p)
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", p.Name, err)
	}
	var target *node
	for _, n := range nodes {
		if n.task.Name == name {
			target = n
		}
	}
	if target == nil {
		return nil, fmt.Errorf("run %s: no task %q", p.Name, name)
	}
	r := newRecord(p, opts, nodes)
	statuses := make([]pipeline.Status, len(target.up))
	for i, u := range target.up {
		u.rec.Status = pipeline.StatusFailed
		u.rec.Error = "no result"
		if got := ups[u.task.Name]; got != nil && got.Status.Done() {
			*u.rec = *got
		}
		statuses[i] = u.rec.Status
	}
	target.down, target.waiting = nil, 0
	if verdict := decide(target.task.TriggerRule, statuses); verdict != pipeline.StatusQueued {
		target.rec.Status = verdict
		target.rec.End = now() // as in Run: a task that never started has no start
		return target.rec, nil
	}
	r, err = runNodes(ctx, p, opts, r, []*node{target})
	if r == nil {
		return nil, err
	}
	return r.Task(name), err
}

// RunStatus is the status of a finished run from its tasks' records, as Run
// decides it: success when every task succeeded, was a cache hit or was
// skipped by its rule.
func RunStatus(tasks []*pipeline.TaskRecord) pipeline.Status { return runStatus(tasks) }

// Decide applies a trigger rule to the final states of a task's upstreams
// as Run does: StatusQueued when the task should run, else the state it
// ends in without running (upstream_failed or skipped).
func Decide(rule pipeline.TriggerRule, ups []pipeline.Status) pipeline.Status {
	return decide(rule, ups)
}
