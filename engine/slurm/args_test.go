package slurm

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestSbatchArgs_MapsTheTask(t *testing.T) {
	t.Parallel()
	p, err := pipeline.Parse(pipeline.FileName, []byte(`pipeline: p
executor: {type: slurm, partition: debug, account: ml, args: ["--qos=low"]}
tasks:
  a: {run: x}
  b: {run: y}
  train:
    needs: [a, b]
    run: "python3 train.py"
    executor: {partition: gpu}
    cpus: 4
    memory: 8G
    gpus: 1
    timeout: 10m
    retries: 2
    retry_delay: 30s
  report: {needs: [train], run: z, trigger_rule: all_done}
`))
	if err != nil {
		t.Fatal(err)
	}
	pl := engine.NewPlan(p, nil, strings.Repeat("a", 40), "main", pipeline.Trigger{}, nil)
	s := engine.Submission{Plan: pl, Pipeline: p, Dir: "/srv/my repo", Store: "s3://b/p", Mlcd: "/usr/bin/mlcd"}
	e := &Engine{LogDir: "/logs"}
	jobs := engine.Jobs{"a": "11", "b": "12", "train": "13"}
	args, err := e.sbatchArgs(s, p.Task("train"), jobs)
	if err != nil {
		t.Fatal(err)
	}
	// 3 attempts of 10m, waits of 30s and 60s, a minute for mlcd: 32m30s, rounded up
	for _, want := range []string{
		"--parsable", "--chdir=/srv/my repo", "--kill-on-invalid-dep=yes", "--dependency=afterok:11:12",
		"--partition=gpu", "--account=ml", "--cpus-per-task=4", "--mem=8G", "--gres=gpu:1", "--time=33", "--qos=low",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("args lack %q: %q", want, args)
		}
	}
	wrap := args[len(args)-1]
	if want := "exec /usr/bin/mlcd task exec --run " + pl.RunID + " --task train --repo '/srv/my repo' --store s3://b/p"; wrap != want {
		t.Errorf("wrap %q, want %q", wrap, want)
	}
	report, _ := e.sbatchArgs(s, p.Task("report"), jobs)
	if !slices.Contains(report, "--dependency=afterany:13") {
		t.Errorf("all_done task: %q, want afterany (mlcd task exec applies the rule)", report)
	}
	if _, err := e.sbatchArgs(s, p.Task("report"), engine.Jobs{}); err == nil {
		t.Errorf("no error for an upstream without a job")
	}
	if got := TimeLimit(p.Task("a")); got != 0 {
		t.Errorf("no timeout: --time %s, want none", got)
	}
	if got := TimeLimit(p.Task("train")); got != 33*time.Minute {
		t.Errorf("TimeLimit %s, want 33m", got)
	}
}

func TestJobState(t *testing.T) {
	t.Parallel()
	got := parseSqueue("1|PENDING|Dependency\n2|PENDING|DependencyNeverSatisfied\n3|RUNNING|None\n4|COMPLETED|None\n5|CANCELLED|None\ngarbage\n")
	want := map[string]engine.JobState{"1": engine.JobQueued, "2": engine.JobBlocked, "3": engine.JobRunning, "4": engine.JobEnded, "5": engine.JobEnded}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("job %s: %s, want %s", id, got[id], st)
		}
	}
	if len(got) != len(want) {
		t.Errorf("parsed %d jobs, want %d", len(got), len(want))
	}
}

// FuzzParseSqueue: squeue's output, whatever it holds, never panics the
// parser, and every job it reads has a known state.
func FuzzParseSqueue(f *testing.F) {
	f.Add("1|PENDING|Dependency\n2|RUNNING|None\n")
	f.Add("||\n|||\n\n")
	f.Add("7|COMPLETED|None")
	f.Fuzz(func(t *testing.T, out string) {
		for id, st := range parseSqueue(out) {
			switch st {
			case engine.JobQueued, engine.JobRunning, engine.JobEnded, engine.JobBlocked:
			default:
				t.Fatalf("job %q: state %q", id, st)
			}
		}
	})
}
