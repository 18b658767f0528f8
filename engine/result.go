package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// Result is runs/<run>/tasks/<task>.json: the record of one task as the
// machine that ran it saw it, and what ties it to its run.
type Result struct {
	Schema int    `json:"schema"`
	RunID  string `json:"run_id"`
	Task   string `json:"task"`
	Commit string `json:"commit"`
	// Record is the task's record, as it goes into the run record; its
	// JobID is the engine's job id when the engine gave one.
	Record *pipeline.TaskRecord `json:"record"`
}

// ErrNoResult is the error of a task whose result is not in the store.
var ErrNoResult = errors.New("no result in the store")

// WriteResult puts the result of rec, a task of pl, in the store. A second
// write replaces the first.
func WriteResult(ctx context.Context, st Store, pl *Plan, rec *pipeline.TaskRecord) error {
	res := Result{Schema: PlanSchema, RunID: pl.RunID, Task: rec.Name, Commit: pl.Commit, Record: rec}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("write result of %s: %w", rec.Name, err)
	}
	return st.WriteDoc(ctx, ResultDoc(pl.RunID, rec.Name), append(data, '\n'))
}

// ReadResult reads the result of task in pl's run and checks that it is
// one: the right run, task and commit, a final status, and every output
// it names present in the store. Its error wraps ErrNoResult when there is
// none.
func ReadResult(ctx context.Context, st Store, pl *Plan, task string) (*pipeline.TaskRecord, error) {
	data, err := st.ReadDoc(ctx, ResultDoc(pl.RunID, task))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("task %s: %w", task, ErrNoResult)
	}
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", task, err)
	}
	var res Result
	if err := decodeStrict(data, &res); err != nil {
		return nil, fmt.Errorf("task %s: result %s: %w", task, ResultDoc(pl.RunID, task), err)
	}
	if err := checkResult(ctx, st, pl, task, &res); err != nil {
		return nil, fmt.Errorf("task %s: result rejected: %w", task, err)
	}
	return res.Record, nil
}

func checkResult(ctx context.Context, st Store, pl *Plan, task string, res *Result) error {
	rec := res.Record
	switch {
	case res.Schema != PlanSchema:
		return fmt.Errorf("schema %d, this mlcd reads %d", res.Schema, PlanSchema)
	case res.RunID != pl.RunID:
		return fmt.Errorf("it is of run %q", res.RunID)
	case res.Task != task:
		return fmt.Errorf("it is of task %q", res.Task)
	case rec == nil:
		return errors.New("it holds no record")
	case rec.Name != task:
		return fmt.Errorf("its record is of task %q", rec.Name)
	case res.Commit != pl.Commit:
		return fmt.Errorf("it ran commit %.12s, the run is of %.12s", res.Commit, pl.Commit)
	case !rec.Status.Done():
		return fmt.Errorf("status %q is not final", rec.Status)
	}
	for _, o := range rec.Outputs {
		if err := store.CheckDigest(o.SHA256); err != nil {
			return fmt.Errorf("output %s: %w", o.Path, err)
		}
		ok, err := st.Has(ctx, o.SHA256)
		if err != nil {
			return fmt.Errorf("output %s (%.12s): %w", o.Path, o.SHA256, err)
		}
		if !ok {
			return fmt.Errorf("output %s (%.12s) is not in the store", o.Path, o.SHA256)
		}
	}
	return nil
}
