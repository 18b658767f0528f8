package churn_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// python is Debian's interpreter, which has the packages the example
// needs; the python3 first on PATH may not.
const python = "/usr/bin/python3"

// requirePython skips the test when python lacks scikit-learn or XGBoost,
// and fails it under CI, where they must be installed.
func requirePython(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains real models; skipped with -short")
	}
	out, err := exec.Command(python, "-c", "import sklearn, xgboost, pandas, matplotlib, requests").CombinedOutput()
	if err == nil {
		return
	}
	msg := python + " cannot import sklearn, xgboost, pandas, matplotlib and requests (apt-get install python3-sklearn python3-xgboost python3-pandas python3-matplotlib python3-requests): " + strings.TrimSpace(string(out))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// mlcdDir builds cmd/mlcd once and returns its folder, to go first on PATH.
func mlcdDir(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "mlcd-churn-bin-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "mlcd"), "github.com/mlcd-dev/mlcd/cmd/mlcd").CombinedOutput()
		if err != nil {
			buildErr = &buildError{out: string(out), err: err}
		}
	})
	if buildErr != nil {
		t.Fatalf("build mlcd: %v", buildErr)
	}
	return binDir
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// example is a copy of examples/churn with its own database and store.
type example struct {
	dir   string
	store *store.Local
	env   []string
}

// newExample copies the example's committed files (no database, no runs)
// into a temporary folder and generates a database of rows customers.
func newExample(t *testing.T, rows int) *example {
	t.Helper()
	tmp := t.TempDir()
	ex := &example{dir: filepath.Join(tmp, "churn")}
	copyExample(t, ".", ex.dir)
	st, err := store.Open(filepath.Join(tmp, "store"))
	if err != nil {
		t.Fatal(err)
	}
	ex.store = st
	ex.env = append(os.Environ(),
		"PATH="+mlcdDir(t)+string(os.PathListSeparator)+filepath.Dir(python)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"MLCD_STORE="+st.Root(),
		"MPLCONFIGDIR="+filepath.Join(tmp, "matplotlib"),
		"OMP_NUM_THREADS=1",
	)
	ex.python(t, "data/generate.py", "--rows", strconv.Itoa(rows))
	return ex
}

func copyExample(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if rel == "runs" || d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(rel, ".db") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// python runs a script of the example with Debian's python.
func (ex *example) python(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(python, args...)
	cmd.Dir, cmd.Env = ex.dir, ex.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3 %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// run runs `mlcd run` in the example and returns the record it wrote.
func (ex *example) run(t *testing.T, args ...string) *pipeline.Run {
	t.Helper()
	before, err := pipeline.ListRuns(ex.dir, "churn")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(mlcdDir(t), "mlcd"), append([]string{"run"}, args...)...)
	cmd.Dir, cmd.Env = ex.dir, ex.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("mlcd run: %v\n%s", err, out.String())
	}
	runs, err := pipeline.ListRuns(ex.dir, "churn")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != len(before)+1 {
		t.Fatalf("mlcd run left %d records, want %d\n%s", len(runs), len(before)+1, out.String())
	}
	return runs[len(runs)-1]
}

// output is the path in the store of a task's output file in run r.
func (ex *example) output(t *testing.T, r *pipeline.Run, task, path string) string {
	t.Helper()
	tr := r.Task(task)
	if tr == nil {
		t.Fatalf("run %s has no task %s", r.ID, task)
	}
	o := tr.Output(path)
	if o == nil {
		t.Fatalf("run %s: task %s has no output %s", r.ID, task, path)
	}
	return ex.store.Path(o.SHA256)
}
