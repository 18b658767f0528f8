package tracking

import (
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// EventKind says what an Event records.
type EventKind string

// Kinds of Event.
const (
	EventRun     EventKind = "mlflow_run"    // TrackedRun: a run was created or updated
	EventMetric  EventKind = "metric"        // Run, Key, Metric, Step, Time
	EventParam   EventKind = "param"         // Run, Key, Value
	EventTag     EventKind = "tag"           // Run, Key, Value
	EventModel   EventKind = "model"         // Model: the task's model, an MLflow model folder
	EventRequest EventKind = "stage_request" // Request: a stage or alias asked for
)

// Event is one fact a task logged through the MLflow API.
type Event struct {
	Kind    EventKind
	Run     string // MLflow run id (metric, param, tag)
	Key     string
	Value   string
	Metric  float64
	Step    int64
	Time    time.Time
	Tracked *pipeline.TrackedRun
	Model   *pipeline.ModelSpec
	Request *pipeline.StageRequest
}

// Recorder receives what one task attempt logs. The server acknowledges a
// call only after Record returned nil, so Record must leave the events
// where they survive the task being killed (a file write is enough). Calls
// of one session never overlap.
type Recorder interface {
	Record(evs ...Event) error
	// Note adds a line to the task's log, for what the task should know
	// (a stage change that was only requested).
	Note(msg string)
}
