package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit/limittest"
)

// FuzzParse checks that Parse never panics, that every problem is an *diag.Error
// with a place, and that a pipeline it accepts keeps the invariants the
// executor relies on.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "pipeline: a\ntasks: {a: {run: x}}\n", "[1, 2", "a: &x [*x]\n", "tasks: &t {a: {run: x, needs: *t}}\n",
		"pipeline: a\ntasks:\n  a: {run: x, needs: [b]}\n  b: {run: y, needs: [a]}\n",
		"pipeline: a\ntasks:\n  - {name: a, run: x}\n  - {name: a, run: y}\n",
		"pipeline: a\nbase: &b {run: x}\ntasks: {a: {<<: *b, needs: [a]}}\n",
	} {
		f.Add([]byte(s))
	}
	for _, seed := range limittest.YAMLSeeds(200 << 10) {
		f.Add(seed)
	}
	f.Add(limittest.YAMLSeeds(300 << 10)[5]) // larger than an mlcd.yaml may be
	f.Fuzz(func(t *testing.T, data []byte) {
		var p *Pipeline
		var err error
		limittest.Allocs(t, len(data), func() { p, err = Parse("mlcd.yaml", data) })
		if err != nil {
			if p != nil {
				t.Fatal("a pipeline with an error")
			}
			checkProblems(t, err)
			return
		}
		checkInvariants(t, p)
	})
}

func checkProblems(t *testing.T, err error) {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("not a joined error: %T %v", err, err)
	}
	for _, e := range joined.Unwrap() {
		var perr *diag.Error
		if !errors.As(e, &perr) || perr.Msg == "" || perr.File != "mlcd.yaml" {
			t.Fatalf("problem without place: %#v", e)
		}
	}
}

func checkInvariants(t *testing.T, p *Pipeline) {
	t.Helper()
	if checkName(p.Name) != nil || len(p.Tasks) == 0 {
		t.Fatalf("bad name %q or no tasks", p.Name)
	}
	names := map[string]bool{}
	models := map[string]bool{}
	for _, task := range p.Tasks {
		if names[task.Name] || len(task.Run) == 0 || task.Run[0] == "" {
			t.Fatalf("task %q: duplicate or empty run", task.Name)
		}
		names[task.Name] = true
		if task.Model != nil {
			if models[task.Model.Name] {
				t.Fatalf("model %q twice", task.Model.Name)
			}
			models[task.Model.Name] = true
		}
	}
	for _, task := range p.Tasks {
		for _, n := range task.Needs {
			if !names[n] || n == task.Name {
				t.Fatalf("task %q needs %q", task.Name, n)
			}
		}
	}
	order := p.Order()
	if len(order) != len(p.Tasks) {
		t.Fatalf("order has %d of %d tasks: a cycle got through", len(order), len(p.Tasks))
	}
	done := map[string]bool{}
	for _, task := range order {
		for _, n := range task.Needs {
			if !done[n] {
				t.Fatalf("%q before its need %q", task.Name, n)
			}
		}
		done[task.Name] = true
	}
}
