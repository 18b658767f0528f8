package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A task's executor options go on top of the pipeline's; its resources
// are its own.
func TestParse_Executor(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "valid", "slurm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(FileName, data)
	if err != nil {
		t.Fatal(err)
	}
	base := Executor{Type: ExecutorSlurm, Partition: "debug", Account: "ml", Args: []string{"--qos=low"}}
	if diff := cmp.Diff(base, p.Executor); diff != "" {
		t.Errorf("pipeline executor (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(base, p.Task("prepare").Executor); diff != "" {
		t.Errorf("prepare's executor (-want +got):\n%s", diff)
	}
	gpu := base
	gpu.Partition = "gpu"
	if diff := cmp.Diff(gpu, p.Task("train").Executor); diff != "" {
		t.Errorf("train's executor (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Resources{CPUs: 4, Memory: "8G", GPUs: 1}, p.Task("train").Resources); diff != "" {
		t.Errorf("train's resources (-want +got):\n%s", diff)
	}
	if got := p.Task("prepare").Resources.Memory; got != "512" {
		t.Errorf("prepare's memory %q, want 512 (megabytes)", got)
	}

	// every task saying slurm makes the pipeline's engine slurm
	p, err = Parse(FileName, []byte("pipeline: a\ntasks:\n  a: {run: x, executor: slurm}\n  b: {run: y, executor: {type: slurm, account: ml}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Executor.Type != ExecutorSlurm || p.Task("b").Executor.Account != "ml" || p.Task("a").Executor.Account != "" {
		t.Errorf("executors: pipeline %+v, a %+v, b %+v", p.Executor, p.Task("a").Executor, p.Task("b").Executor)
	}
	p, err = Parse(FileName, []byte("pipeline: a\ntasks:\n  a: {run: x}\n"))
	if err != nil || !p.Executor.IsLocal() || !p.Task("a").Executor.IsLocal() {
		t.Errorf("no executor: %+v, %v; want local", p, err)
	}
}
