package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// PlanSchema is the version of the plan and result documents.
const PlanSchema = 1

// Store is what a run on an engine needs of the artifact store: objects,
// and the named documents through which machines meet.
type Store interface {
	executor.Store
	WriteDoc(ctx context.Context, name string, data []byte) error
	ReadDoc(ctx context.Context, name string) ([]byte, error)
}

var _ Store = (*store.Local)(nil)

// Plan is runs/<run>/plan.json: everything a machine needs to run a task of
// the run besides a clone of the repository and the store.
type Plan struct {
	Schema   int              `json:"schema"`
	RunID    string           `json:"run_id"`
	Pipeline string           `json:"pipeline"`
	Commit   string           `json:"commit"`
	Branch   string           `json:"branch,omitempty"`
	Trigger  pipeline.Trigger `json:"trigger"`
	// Params are the run's params: the pipeline's, with the overrides.
	Params pipeline.Params `json:"params,omitempty"`
	// SpecSHA256 is the digest of the commit's mlcd.yaml: a task refuses to
	// run from another file.
	SpecSHA256 string     `json:"spec_sha256"`
	Created    time.Time  `json:"created"`
	Tasks      []PlanTask `json:"tasks"`
}

// PlanTask is one task of the plan, in the order of mlcd.yaml.
type PlanTask struct {
	Name  string   `json:"name"`
	Needs []string `json:"needs,omitempty"`
}

// PlanDoc and ResultDoc name a run's documents in the store.
func PlanDoc(runID string) string { return "runs/" + runID + "/plan.json" }

// ResultDoc is the name of the result document of task in run runID.
func ResultDoc(runID, task string) string { return "runs/" + runID + "/tasks/" + task + ".json" }

// ErrNoPlan is the error of a run whose plan is not in the store.
var ErrNoPlan = errors.New("no plan for this run in the store")

// NewPlan makes the plan of a new run of p at commit; spec is the content
// of the commit's mlcd.yaml, overrides the params given for this run.
func NewPlan(p *pipeline.Pipeline, spec []byte, commit, branch string, trigger pipeline.Trigger, overrides pipeline.Params) *Plan {
	created := time.Now().UTC().Truncate(time.Millisecond)
	params := pipeline.Params{}
	maps.Copy(params, p.Params)
	maps.Copy(params, overrides)
	pl := &Plan{
		Schema: PlanSchema, RunID: pipeline.NewRunID(created), Pipeline: p.Name,
		Commit: commit, Branch: branch, Trigger: trigger, Params: params,
		SpecSHA256: SpecDigest(spec), Created: created,
	}
	if pl.Trigger.Kind == "" {
		pl.Trigger.Kind = "manual"
	}
	for _, t := range p.Tasks {
		pl.Tasks = append(pl.Tasks, PlanTask{Name: t.Name, Needs: t.Needs})
	}
	return pl
}

// SpecDigest is the sha256 of an mlcd.yaml, as plans name it.
func SpecDigest(spec []byte) string {
	sum := sha256.Sum256(spec)
	return hex.EncodeToString(sum[:])
}

// Task returns the planned task called name, or nil.
func (pl *Plan) Task(name string) *PlanTask {
	for i := range pl.Tasks {
		if pl.Tasks[i].Name == name {
			return &pl.Tasks[i]
		}
	}
	return nil
}

// WritePlan puts pl in the store.
func WritePlan(ctx context.Context, st Store, pl *Plan) error {
	data, err := json.MarshalIndent(pl, "", "  ")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return st.WriteDoc(ctx, PlanDoc(pl.RunID), append(data, '\n'))
}

// ReadPlan reads and checks the plan of runID.
func ReadPlan(ctx context.Context, st Store, runID string) (*Plan, error) {
	if err := checkRunID(runID); err != nil {
		return nil, err
	}
	data, err := st.ReadDoc(ctx, PlanDoc(runID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("run %s: %w (run `mlcd task plan` first, against the same store): %w", runID, ErrNoPlan, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	var pl Plan
	if err := decodeStrict(data, &pl); err != nil {
		return nil, fmt.Errorf("plan of run %s (%s): %w", runID, PlanDoc(runID), err)
	}
	switch {
	case pl.Schema != PlanSchema:
		return nil, fmt.Errorf("plan of run %s: schema %d, this mlcd reads %d", runID, pl.Schema, PlanSchema)
	case pl.RunID != runID:
		return nil, fmt.Errorf("plan of run %s names run %q", runID, pl.RunID)
	case pl.Commit == "" || len(pl.Tasks) == 0:
		return nil, fmt.Errorf("plan of run %s: no commit or no tasks", runID)
	}
	return &pl, nil
}

// checkRunID refuses a run id that cannot name documents.
func checkRunID(id string) error {
	if id == "" || store.CheckDocName(PlanDoc(id)) != nil || bytes.ContainsRune([]byte(id), '/') {
		return fmt.Errorf("run id %q: not a run id", id)
	}
	return nil
}

// decodeStrict decodes one JSON value, refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}
