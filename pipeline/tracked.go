package pipeline

import "time"

// TrackedRun is one MLflow run that a task started through mlcd's MLflow
// tracking endpoint (docs/mlflow.md). Its params, metrics and tags are the
// task's own: those of the task's first run under their names, those of
// any later run under Prefix + name.
type TrackedRun struct {
	ID         string    `json:"id"` // MLflow's run_id, 32 hex digits
	Name       string    `json:"name"`
	Experiment string    `json:"experiment"`       // the experiment's name
	Parent     string    `json:"parent,omitempty"` // parent run id of a nested run
	Prefix     string    `json:"prefix,omitempty"` // "" for the task's first run, else "<name>/"
	Status     string    `json:"status"`           // RUNNING, FINISHED, FAILED, KILLED
	Start      time.Time `json:"start,omitzero"`
	End        time.Time `json:"end,omitzero"`
	// Artifacts is the folder, among the task's outputs, that holds what
	// the run logged with log_artifact and log_model.
	Artifacts string `json:"artifacts"`
}

// StageRequest is a stage transition or alias that a task asked for through
// the MLflow API. It changes nothing by itself: it becomes a promotion pull
// request, which the merge gate judges like any other.
type StageRequest struct {
	Model string `json:"model"`
	// Version is the version number; 0 means the version this task
	// registers (its number is known once the run is recorded).
	Version int    `json:"version,omitempty"`
	Stage   string `json:"stage,omitempty"` // None, Staging, Production or Archived
	Alias   string `json:"alias,omitempty"`
}
