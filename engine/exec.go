package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// Task is one task to run with Exec.
type Task struct {
	Plan *Plan
	Name string
	// Pipeline is the mlcd.yaml of the checkout the task runs in, Spec its
	// bytes: they must be the plan's.
	Pipeline *pipeline.Pipeline
	Spec     []byte
	JobID    string // the engine's id of the job running it, if any
}

// Exec runs one task of a planned run in the checkout opts.Dir (at the
// plan's commit) and writes its result, also when it failed: the
// returned record is the result. The task's upstreams are read from their
// results; one missing or rejected counts as failed, and the trigger rule
// then decides (upstream_failed, skipped, or run). opts carries the
// store, cache folder, env and output as for executor.Run; its run id,
// params, trigger and git info are the plan's.
func Exec(ctx context.Context, st Store, t Task, opts executor.Options) (*pipeline.TaskRecord, error) {
	pl := t.Plan
	pt := pl.Task(t.Name)
	if pt == nil {
		return nil, fmt.Errorf("run %s has no task %q (its tasks: %s)", pl.RunID, t.Name, taskNames(pl))
	}
	if got := SpecDigest(t.Spec); got != pl.SpecSHA256 {
		return nil, fmt.Errorf("%s differs from the one run %s was planned with (sha256 %.12s, plan %.12s): check out commit %.12s",
			pipeline.FileName, pl.RunID, got, pl.SpecSHA256, pl.Commit)
	}
	ups := map[string]*pipeline.TaskRecord{}
	for _, need := range pt.Needs {
		rec, err := ReadResult(ctx, st, pl, need)
		if err != nil {
			if opts.Logger != nil {
				opts.Logger.Warn("upstream counted as failed", "task", t.Name, "upstream", need, "err", err)
			}
			continue
		}
		ups[need] = rec
	}
	opts.Store = st
	opts.RunID, opts.Params, opts.Trigger = pl.RunID, pl.Params, pl.Trigger
	opts.Git = &pipeline.GitInfo{Commit: pl.Commit, Branch: pl.Branch}
	rec, runErr := executor.RunTask(ctx, t.Pipeline, t.Name, ups, opts)
	if rec == nil {
		return nil, runErr
	}
	rec.JobID = t.JobID
	// a cancelled task still leaves its result; the write outlives ctx
	if err := WriteResult(context.WithoutCancel(ctx), st, pl, rec); err != nil {
		return rec, errors.Join(runErr, err)
	}
	return rec, runErr
}

func taskNames(pl *Plan) string {
	s := ""
	for i, t := range pl.Tasks {
		if i > 0 {
			s += ", "
		}
		s += t.Name
	}
	return s
}
