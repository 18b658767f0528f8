package engine

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// fakeEngine is an Engine whose calls are functions.
type fakeEngine struct {
	SubmitFunc func(ctx context.Context, s Submission) (Jobs, error)
	PollFunc   func(ctx context.Context, jobs Jobs) (map[string]JobState, error)
	CancelFunc func(ctx context.Context, jobs Jobs) error
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) Submit(ctx context.Context, s Submission) (Jobs, error) {
	return f.SubmitFunc(ctx, s)
}
func (f *fakeEngine) Poll(ctx context.Context, jobs Jobs) (map[string]JobState, error) {
	return f.PollFunc(ctx, jobs)
}
func (f *fakeEngine) Cancel(ctx context.Context, jobs Jobs) error { return f.CancelFunc(ctx, jobs) }

func allEnded(_ context.Context, jobs Jobs) (map[string]JobState, error) {
	states := map[string]JobState{}
	for task := range jobs {
		states[task] = JobEnded
	}
	return states, nil
}

// The engine ran a and then never started b (its upstream failed) and
// lost c's job: Run gives b the result a local run gives it and records
// c as lost, each with its job id.
func TestRun_SettlesTasksThatNeverRan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, `pipeline: p
tasks:
  a: {run: "exit 1"}
  b: {needs: [a], run: "true"}
  c: {run: "true"}
`)
	var cancelled Jobs
	e := &fakeEngine{
		SubmitFunc: func(_ context.Context, s Submission) (Jobs, error) {
			f.exec(t, "a")
			return Jobs{"a": "1", "b": "2", "c": "3"}, nil
		},
		PollFunc: func(ctx context.Context, jobs Jobs) (map[string]JobState, error) {
			if cancelled == nil { // b waits forever until cancelled
				st, _ := allEnded(ctx, jobs)
				st["b"] = JobBlocked
				return st, nil
			}
			return allEnded(ctx, jobs)
		},
		CancelFunc: func(_ context.Context, jobs Jobs) error { cancelled = maps.Clone(jobs); return nil },
	}
	r, err := Run(context.Background(), e, f.st, Submission{Plan: f.pl, Pipeline: f.p}, RunOptions{Poll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(cancelled) != 1 || cancelled["b"] != "2" {
		t.Errorf("cancelled %v, want the blocked job of b", cancelled)
	}
	want := map[string]pipeline.Status{"a": pipeline.StatusFailed, "b": pipeline.StatusUpstreamFailed, "c": pipeline.StatusFailed}
	for _, task := range r.Tasks {
		if task.Status != want[task.Name] {
			t.Errorf("%s: %s, want %s", task.Name, task.Status, want[task.Name])
		}
	}
	if c := r.Task("c"); !strings.Contains(c.Error, "lost") || c.JobID != "3" {
		t.Errorf("c: %q, job %q; want lost, job 3", c.Error, c.JobID)
	}
	if b := r.Task("b"); b.JobID != "2" || len(b.Attempts) != 0 {
		t.Errorf("b: job %q, %d attempts", b.JobID, len(b.Attempts))
	}
}

// An engine that stops answering makes Run give up, cancelling its jobs.
func TestRun_GivesUpOnASilentEngine(t *testing.T) {
	t.Parallel()
	f := newFixture(t, chain)
	var cancelled Jobs
	polls := 0
	e := &fakeEngine{
		SubmitFunc: func(context.Context, Submission) (Jobs, error) { return Jobs{"a": "1", "b": "2", "c": "3"}, nil },
		PollFunc: func(context.Context, Jobs) (map[string]JobState, error) {
			polls++
			return nil, errors.New("slurm_load_jobs error: Unable to contact slurm controller")
		},
		CancelFunc: func(_ context.Context, jobs Jobs) error { cancelled = jobs; return nil },
	}
	r, err := Run(context.Background(), e, f.st, Submission{Plan: f.pl, Pipeline: f.p}, RunOptions{Poll: time.Millisecond})
	if err == nil || r != nil || !strings.Contains(err.Error(), "Unable to contact") {
		t.Fatalf("record %v, err %v; want no record and the engine's error", r, err)
	}
	if polls != maxPollFailures || len(cancelled) != 3 {
		t.Errorf("%d polls, cancelled %v; want %d polls, then every job cancelled", polls, cancelled, maxPollFailures)
	}
}

func TestRun_SubmitFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, chain)
	e := &fakeEngine{SubmitFunc: func(context.Context, Submission) (Jobs, error) {
		return nil, errors.New("sbatch: error: invalid partition specified: gpu")
	}}
	_, err := Run(context.Background(), e, f.st, Submission{Plan: f.pl, Pipeline: f.p}, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "invalid partition") || !strings.Contains(err.Error(), f.pl.RunID) {
		t.Errorf("err %v, want the engine's reason and the run", err)
	}
}

// TestWait_AsksOnlyAboutOpenJobs: a job seen ended is not polled again.
func TestWait_AsksOnlyAboutOpenJobs(t *testing.T) {
	var asked []Jobs
	fe := &fakeEngine{PollFunc: func(_ context.Context, jobs Jobs) (map[string]JobState, error) {
		asked = append(asked, maps.Clone(jobs))
		if len(asked) == 1 {
			return map[string]JobState{"a": JobEnded, "b": JobRunning}, nil
		}
		return map[string]JobState{"b": JobEnded}, nil
	}}
	if err := wait(context.Background(), fe, Jobs{"a": "1", "b": "2"}, time.Millisecond, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || len(asked[0]) != 2 || !maps.Equal(asked[1], Jobs{"b": "2"}) {
		t.Errorf("polls asked about %v; want both jobs, then b alone", asked)
	}
}

// A run cancelled while the engine submits it ends with an error that
// wraps the context's, whatever the engine's own error says (sbatch
// killed by the cancelled context, here).
func TestRun_CancelledWhileSubmitting(t *testing.T) {
	t.Parallel()
	f := newFixture(t, `pipeline: p
tasks:
  a: {run: "true"}
`)
	ctx, cancel := context.WithCancel(context.Background())
	e := &fakeEngine{SubmitFunc: func(context.Context, Submission) (Jobs, error) {
		cancel()
		return nil, errors.New("sbatch: signal: killed")
	}}
	_, err := Run(ctx, e, f.st, Submission{Plan: f.pl, Pipeline: f.p}, RunOptions{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "sbatch: signal: killed") {
		t.Errorf("Run = %v, want the engine's error wrapped with context.Canceled", err)
	}
}
