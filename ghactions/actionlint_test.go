package ghactions

import (
	"testing"

	"github.com/mlcd-dev/mlcd/internal/lintflow"
)

// actionlint passes every workflow the golden files hold: they are what
// GitHub will read.
func TestWorkflow_Actionlint(t *testing.T) {
	lintflow.Binary(t)
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			got, err := Workflow(loadPipeline(t, g.pipeline), g.opts)
			if err != nil {
				t.Fatal(err)
			}
			lintflow.Check(t, got, "gpu")
		})
	}
}

// The check is real: a label no runner has is found.
func TestWorkflow_ActionlintFindsUnknownLabels(t *testing.T) {
	lintflow.Binary(t)
	got, err := Workflow(loadPipeline(t, "testdata/gpu.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ft := &failRecorder{TB: t}
	lintflow.Check(ft, got) // no "gpu" label declared
	if !ft.failed {
		t.Error("actionlint passed a workflow with an undeclared runner label")
	}
}

// failRecorder notes Errorf instead of failing the test.
type failRecorder struct {
	testing.TB
	failed bool
}

func (f *failRecorder) Errorf(string, ...any) { f.failed = true }
