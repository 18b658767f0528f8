package slurm

import (
	"context"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/engine"
)

// Poll asks squeue for the jobs' states, ended ones included while the
// controller remembers them; a job it no longer knows has ended.
func (e *Engine) Poll(ctx context.Context, jobs engine.Jobs) (map[string]engine.JobState, error) {
	ids := jobIDs(jobs)
	states := make(map[string]engine.JobState, len(jobs))
	if len(ids) == 0 {
		return states, nil
	}
	out, err := e.command(ctx, "squeue", "--noheader", "--states=all", "--jobs="+strings.Join(ids, ","), "--format=%i|%T|%r")
	if err != nil && !strings.Contains(err.Error(), "Invalid job id") {
		return nil, err
	}
	byID := parseSqueue(out)
	for task, id := range jobs {
		st, ok := byID[id]
		if !ok {
			st = engine.JobEnded // purged after MinJobAge
		}
		states[task] = st
	}
	return states, nil
}

// parseSqueue reads lines of "id|STATE|reason".
func parseSqueue(out string) map[string]engine.JobState {
	states := map[string]engine.JobState{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) != 3 {
			continue
		}
		states[f[0]] = jobState(f[1], f[2])
	}
	return states
}

// jobState maps Slurm's job state and reason to an engine.JobState.
func jobState(state, reason string) engine.JobState {
	switch state {
	case "PENDING":
		if reason == "DependencyNeverSatisfied" {
			return engine.JobBlocked
		}
		return engine.JobQueued
	case "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD":
		return engine.JobRunning
	}
	return engine.JobEnded // COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, ...
}

// Cancel scancels the jobs.
func (e *Engine) Cancel(ctx context.Context, jobs engine.Jobs) error {
	ids := jobIDs(jobs)
	if len(ids) == 0 {
		return nil
	}
	_, err := e.command(ctx, "scancel", ids...)
	return err
}

func jobIDs(jobs engine.Jobs) []string {
	ids := make([]string, 0, len(jobs))
	for _, id := range jobs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
