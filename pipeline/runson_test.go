package pipeline

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runs_on: one label or a list; a task's own replaces the default's, and
// a task that names none gets the default's (nil without one).
func TestParse_RunsOn(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want map[string][]string
	}{
		{"none", "pipeline: p\ntasks:\n  a: {run: x}\n", map[string][]string{"a": nil}},
		{"default and own", `pipeline: p
defaults: {runs_on: ubuntu-24.04}
tasks:
  prep: {run: x}
  train: {run: x, needs: [prep], runs_on: [self-hosted, linux, gpu]}
  eval: {run: x, needs: [train], runs_on: "windows-latest"}
`, map[string][]string{"prep": {"ubuntu-24.04"}, "train": {"self-hosted", "linux", "gpu"}, "eval": {"windows-latest"}}},
		{"only a task's", "pipeline: p\ntasks:\n  a: {run: x, runs_on: [gpu]}\n  b: {run: x}\n",
			map[string][]string{"a": {"gpu"}, "b": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("mlcd.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, task := range p.Tasks {
				got[task.Name] = task.RunsOn
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("runs_on (-want +got):\n%s", diff)
			}
		})
	}
}

// Subset copies runs_on: changing the subset's labels leaves the
// pipeline's alone.
func TestSubset_CopiesRunsOn(t *testing.T) {
	p, err := Parse("mlcd.yaml", []byte("pipeline: p\ntasks:\n  a: {run: x, runs_on: [gpu]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := p.Subset([]string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	sub.Tasks[0].RunsOn[0] = "changed"
	if got := p.Tasks[0].RunsOn[0]; got != "gpu" {
		t.Errorf("the pipeline's runs_on became %q after the subset's changed", got)
	}
}
