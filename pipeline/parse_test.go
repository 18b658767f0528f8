package pipeline

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlcd-dev/mlcd/diag"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/invalid")

// TestParse_Invalid parses each broken file in testdata/invalid and checks
// every message, in order, against its .golden file.
func TestParse_Invalid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "invalid", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse("mlcd.yaml", data)
			if err == nil {
				t.Fatalf("Parse accepted a broken file: %+v", p)
			}
			if p != nil {
				t.Error("Parse returned a pipeline with its error")
			}
			checkProblems(t, err)
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("messages differ from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestParse_ProblemsSorted checks that problems come sorted by line, then
// column, whatever order the checks found them in.
func TestParse_ProblemsSorted(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "invalid", "task-fields.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("mlcd.yaml", data)
	problems := err.(interface{ Unwrap() []error }).Unwrap()
	if len(problems) < 10 {
		t.Fatalf("want many problems at once, got %d", len(problems))
	}
	for i := 1; i < len(problems); i++ {
		a, b := problems[i-1].(*diag.Error), problems[i].(*diag.Error)
		if a.Line > b.Line || (a.Line == b.Line && a.Col > b.Col) {
			t.Errorf("%v before %v", a, b)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Load(dir)
	var perr *diag.Error
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &perr) {
		t.Fatalf("missing file: want a *diag.Error matching fs.ErrNotExist, got %v", err)
	}
	if want := filepath.Join(dir, "mlcd.yaml") + ": not found"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start with %q", err, want)
	}
	if ps := diag.Problems(err); len(ps) != 1 || ps[0] != perr {
		t.Errorf("diag.Problems of a missing file: %v, want the one *diag.Error", ps)
	}
	if err := os.WriteFile(filepath.Join(dir, "mlcd.yaml"), []byte("pipeline: a\ntasks: {t: {run: x}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "a" || p.File != filepath.Join(dir, "mlcd.yaml") {
		t.Errorf("got name %q file %q", p.Name, p.File)
	}
	if err := os.WriteFile(filepath.Join(dir, "mlcd.yaml"), []byte("pipeline: a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir)
	if !errors.As(err, &perr) || perr.File != filepath.Join(dir, "mlcd.yaml") || perr.Line != 1 {
		t.Errorf("want an *diag.Error at %s:1, got %v", filepath.Join(dir, "mlcd.yaml"), err)
	}
}

func TestPromoteOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		want       *Promote
	}{
		{"no file", "", nil},
		{"invalid", "version: 1\npipeline: [\n", nil},
		{"no block", "version: 1\npipeline: p\ntasks:\n  a: {run: \"true\"}\n", nil},
		{"a block", "version: 1\npipeline: p\ntasks:\n  a: {run: \"true\"}\npromote: {metric: f1, goal: max}\n", &Promote{Metric: "f1", Goal: "max"}},
	} {
		fsys := fstest.MapFS{}
		if tc.yaml != "" {
			fsys[FileName] = &fstest.MapFile{Data: []byte(tc.yaml)}
		}
		got := PromoteOf(fsys)
		if (got == nil) != (tc.want == nil) || got != nil && (got.Metric != tc.want.Metric || got.Goal != tc.want.Goal) {
			t.Errorf("%s: PromoteOf = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
