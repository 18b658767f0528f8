package executor

import "github.com/mlcd-dev/mlcd/pipeline"

// decide applies a trigger rule to the final states of a task's upstreams.
// It returns StatusQueued when the task should run, else the state the task
// ends in without running: upstream_failed or skipped. A task with no
// upstreams always runs. Every rule waits for all upstreams to finish, so
// that each MLCD_IN_<TASK> folder is complete when the task starts.
func decide(rule pipeline.TriggerRule, ups []pipeline.Status) pipeline.Status {
	if len(ups) == 0 {
		return pipeline.StatusQueued
	}
	var ok, failed, skipped int
	for _, s := range ups {
		switch s {
		case pipeline.StatusSuccess:
			ok++
		case pipeline.StatusSkipped:
			skipped++
		default: // failed, upstream_failed, cancelled
			failed++
		}
	}
	run := pipeline.StatusQueued
	switch rule {
	case pipeline.AllDone:
		return run
	case pipeline.OneSuccess:
		if ok > 0 {
			return run
		}
	case pipeline.OneFailed:
		if failed > 0 {
			return run
		}
		return pipeline.StatusSkipped
	case pipeline.NoneFailed:
		if failed == 0 {
			return run
		}
	default: // AllSuccess
		if ok == len(ups) {
			return run
		}
	}
	if failed > 0 {
		return pipeline.StatusUpstreamFailed
	}
	return pipeline.StatusSkipped
}

// runStatus is the status of a finished run from its tasks: success when
// every task succeeded (or was a cache hit) or was skipped by its rule.
func runStatus(tasks []*pipeline.TaskRecord) pipeline.Status {
	status := pipeline.StatusSuccess
	for _, t := range tasks {
		switch t.Status {
		case pipeline.StatusSuccess, pipeline.StatusSkipped:
		case pipeline.StatusCancelled, pipeline.StatusQueued, pipeline.StatusRunning:
			return pipeline.StatusCancelled
		default:
			status = pipeline.StatusFailed
		}
	}
	return status
}
