package pipeline

import (
	"time"

	"github.com/mlcd-dev/mlcd/layout"
)

// RecordSchema is the version of the run record format (docs/formats.md).
const RecordSchema = 1

// RunsDir is the folder of run records in a repository:
// runs/<pipeline>/<yyyy-mm>/<run-id>.json.
const RunsDir = layout.Runs

// Status is the state of a run or of a task in a run.
type Status string

const (
	StatusQueued         Status = "queued"
	StatusRunning        Status = "running"
	StatusSuccess        Status = "success"
	StatusFailed         Status = "failed"
	StatusCancelled      Status = "cancelled"
	StatusInterrupted    Status = "interrupted"     // the controller died during the run
	StatusUpstreamFailed Status = "upstream_failed" // a task not run because an upstream failed
	StatusSkipped        Status = "skipped"         // a task not run because its trigger rule said no
)

// Done reports whether s is a final state.
func (s Status) Done() bool {
	switch s {
	case StatusQueued, StatusRunning:
		return false
	}
	return true
}

// Run is the record of one run: runs/<pipeline>/<yyyy-mm>/<run-id>.json.
// Run ids sort by start time.
type Run struct {
	Schema   int           `json:"schema"`
	ID       string        `json:"id"`
	Pipeline string        `json:"pipeline"`
	Trigger  Trigger       `json:"trigger"`
	Git      *GitInfo      `json:"git,omitempty"`
	Params   Params        `json:"params,omitempty"`
	Status   Status        `json:"status"`
	Error    string        `json:"error,omitempty"`
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end,omitzero"`
	Tasks    []*TaskRecord `json:"tasks"`
	// History names the file next to the record that holds the tasks'
	// metric histories (docs/run-record.md); nil when none was logged, or
	// in a record from before history files, which keeps them inline.
	History *HistoryRef `json:"history,omitempty"`
}

// Task returns the record of the task called name, or nil.
func (r *Run) Task(name string) *TaskRecord {
	for _, t := range r.Tasks {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Trigger says what started a run.
type Trigger struct {
	Kind   string `json:"kind"`             // manual, push, schedule, webhook, local, retry
	Detail string `json:"detail,omitempty"` // e.g. the cron expression or the delivery id
}

// GitInfo is the commit a run saw.
type GitInfo struct {
	Commit string `json:"commit"`
	Branch string `json:"branch,omitempty"`
	Dirty  bool   `json:"dirty,omitempty"` // the working tree had uncommitted changes
}

// TaskRecord is what happened to one task in a run.
type TaskRecord struct {
	Name          string                   `json:"name"`
	Needs         []string                 `json:"needs,omitempty"`
	Status        Status                   `json:"status"`
	Error         string                   `json:"error,omitempty"`
	Start         time.Time                `json:"start,omitzero"`
	End           time.Time                `json:"end,omitzero"`
	CacheHit      bool                     `json:"cache_hit,omitempty"`
	CacheKey      string                   `json:"cache_key,omitempty"`
	Attempts      []Attempt                `json:"attempts,omitempty"`
	Outputs       []Output                 `json:"outputs,omitempty"`
	Params        Params                   `json:"params,omitempty"`
	Metrics       map[string]float64       `json:"metrics,omitempty"`
	MetricHistory map[string][]MetricPoint `json:"metric_history,omitempty"`
	Tags          map[string]string        `json:"tags,omitempty"`
	Model         *ModelSpec               `json:"model,omitempty"`
	// MLflowRuns are the MLflow runs the task started (docs/mlflow.md).
	MLflowRuns []TrackedRun `json:"mlflow_runs,omitempty"`
	// StageRequests are the stage changes and aliases it asked for.
	StageRequests []StageRequest `json:"stage_requests,omitempty"`
	// JobID is the engine's id of the job that ran the task (a Slurm job
	// id), when the task ran on an engine (docs/scale-out.md).
	JobID string `json:"job_id,omitempty"`
}

// Output returns the output at path, or nil.
func (t *TaskRecord) Output(path string) *Output {
	for i := range t.Outputs {
		if t.Outputs[i].Path == path {
			return &t.Outputs[i]
		}
	}
	return nil
}

// Attempt is one execution of a task's command.
type Attempt struct {
	Number   int       `json:"number"` // from 1
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"`
	ExitCode int       `json:"exit_code"` // -1 when killed by a signal or never started
	Error    string    `json:"error,omitempty"`
	Log      string    `json:"log,omitempty"` // sha256 of the log in the artifact store
}

// Output is one file a task left in MLCD_OUT, stored content-addressed.
type Output struct {
	Path   string `json:"path"` // relative to MLCD_OUT, slash-separated
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// MetricPoint is one logged value of a metric.
type MetricPoint struct {
	Step  int64     `json:"step"`
	Value float64   `json:"value"`
	Time  time.Time `json:"time,omitzero"`
}
