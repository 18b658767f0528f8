package engine

import (
	"context"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Engine runs a planned run's tasks as jobs of a scheduler that already
// exists (Slurm; a Kubernetes Jobs engine would be another): each job
// runs `mlcd task exec` for one task, and the job dependencies mirror the
// DAG. The engine only submits, watches and cancels; what a task did is
// in its result document, which Run reads.
type Engine interface {
	// Submit submits a job per task of s, each after its upstreams' jobs,
	// and returns their ids by task. When it fails part way, it cancels
	// what it submitted.
	Submit(ctx context.Context, s Submission) (Jobs, error)
	// Poll returns the state of each job of jobs.
	Poll(ctx context.Context, jobs Jobs) (map[string]JobState, error)
	// Cancel cancels the jobs of jobs that have not ended; a running
	// task's mlcd gets SIGTERM and ends it as a cancellation.
	Cancel(ctx context.Context, jobs Jobs) error
}

// Submission is a planned run to submit.
type Submission struct {
	Plan     *Plan
	Pipeline *pipeline.Pipeline // the plan's mlcd.yaml, for the DAG, resources and options
	// Dir is the checkout each job runs in (on a cluster, a shared file
	// system), Store the store URL the jobs use, Mlcd the mlcd binary
	// they run.
	Dir   string
	Store string
	Mlcd  string
}

// Jobs are a run's job ids, by task.
type Jobs map[string]string

// JobState is what an engine says of a job.
type JobState string

const (
	JobQueued  JobState = "queued"  // waiting for its upstreams or resources
	JobRunning JobState = "running" // started
	JobEnded   JobState = "ended"   // over, whatever the outcome: the result says
	// JobBlocked is a job that can never start (an upstream job failed
	// and the engine keeps it waiting): Run cancels it.
	JobBlocked JobState = "blocked"
)

// Final reports whether a job in state s will not change any more.
func (s JobState) Final() bool { return s == JobEnded }
