package ghactions

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldens are the workflows the tests hold: a pipeline's folder or file,
// the options, and the golden file.
var goldens = []struct {
	name     string
	pipeline string // a folder with mlcd.yaml, or a .yaml file
	opts     Options
}{
	{"churn", "../examples/churn", Options{Command: "mlcd export github --out .github/workflows/mlcd-tasks.yml"}},
	{"quickstart-grouped", "../examples/quickstart", Options{
		Groups: []Group{{Name: "train models", Tasks: []string{"train_large", "train_small", "train_medium"}}},
		Branch: "release", Setup: []string{"sudo apt-get install -yq jq"},
	}},
	{"gpu", "testdata/gpu.yaml", Options{Groups: []Group{{Name: "wrap-up", Tasks: []string{"evaluate", "notify"}}}}},
}

func loadPipeline(t *testing.T, path string) *pipeline.Pipeline {
	t.Helper()
	if strings.HasSuffix(path, ".yaml") {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipeline.Parse(pipeline.FileName, data)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := pipeline.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The workflow is the golden file, byte for byte, and writing it twice
// gives the same bytes.
func TestWorkflow_Golden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			p := loadPipeline(t, g.pipeline)
			got, err := Workflow(p, g.opts)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Workflow(p, g.opts)
			if err != nil || string(again) != string(got) {
				t.Fatalf("a second Workflow differs (%v)", err)
			}
			golden := filepath.Join("testdata", g.name+".golden.yml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func TestWorkflow_Errors(t *testing.T) {
	const base = `pipeline: p
tasks:
  a: {run: x}
  b: {run: x, needs: [a]}
  c: {run: x, needs: [b]}
  gpu: {run: x, runs_on: [self-hosted, gpu]}
`
	tests := []struct {
		name    string
		yaml    string
		opts    Options
		wantErr error
		want    []string // parts of the message
	}{
		{"unknown task", base, Options{Groups: []Group{{Name: "g", Tasks: []string{"a", "zz"}}}}, ErrJobs,
			[]string{`group "g": no task "zz" in mlcd.yaml`}},
		{"task in two groups", base, Options{Groups: []Group{{Name: "g", Tasks: []string{"a"}}, {Name: "h", Tasks: []string{"a", "b"}}}}, ErrJobs,
			[]string{`task "a" is in two groups, "g" and "h"`}},
		{"groups that need each other", base, Options{Groups: []Group{{Name: "ac", Tasks: []string{"a", "c"}}}}, ErrJobs,
			[]string{"the groups need each other", "ac (needs b)", "b (needs ac)"}},
		{"different runners", base, Options{Groups: []Group{{Name: "g", Tasks: []string{"a", "gpu"}}}}, ErrJobs,
			[]string{`group "g": task "a" (mlcd.yaml:3) runs on ubuntu-latest (the default) but task "gpu" (mlcd.yaml:6) on [self-hosted, gpu]`}},
		{"a task called plan", "pipeline: p\ntasks:\n  Plan: {run: x}\n", Options{}, ErrJobs,
			[]string{`task "Plan" (mlcd.yaml:3) would be job "Plan", which is mlcd's plan job (job ids ignore case); put the task in a group: --group NAME=Plan`}},
		{"a group called record", base, Options{Groups: []Group{{Name: "record", Tasks: []string{"a"}}}}, ErrJobs,
			[]string{`group "record" would be job "record", which is mlcd's record job`, "rename the group"}},
		{"a group named as a task", base, Options{Groups: []Group{{Name: "B", Tasks: []string{"a"}}}}, ErrJobs,
			[]string{`task "b" (mlcd.yaml:4) would be job "b", which is group "B"`}},
		{"two groups, one id", base, Options{Groups: []Group{{Name: "x y", Tasks: []string{"a"}}, {Name: "x.y", Tasks: []string{"b"}}}}, ErrJobs,
			[]string{`group "x.y" would be job "x_y", which is group "x y"`}},
		{"a setup command on two lines", base, Options{Setup: []string{"pip install\nrm -rf /"}}, ErrSetup,
			[]string{"one command on one line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pipeline.Parse(pipeline.FileName, []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Workflow(p, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Workflow: %v, want %v", err, tt.wantErr)
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q\nlacks %q", err, part)
				}
			}
		})
	}
}

func TestJobID(t *testing.T) {
	for in, want := range map[string]string{
		"train":        "train",
		"train models": "train_models",
		"2gpu":         "_2gpu",
		"-x":           "_-x",
		"a.b/c":        "a_b_c",
		"é":            "_",
		"_ok-1":        "_ok-1",
	} {
		if got := JobID(in); got != want || !jobIDRE.MatchString(got) {
			t.Errorf("JobID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScalar(t *testing.T) {
	for in, want := range map[string]string{
		"ubuntu-latest": "ubuntu-latest",
		"true":          `"true"`,
		"On":            `"On"`,
		"a b":           `"a b"`,
		`say "hi"`:      `"say \"hi\""`,
		"*":             `"*"`,
		"":              `""`,
		"x\ty":          `"x\ty"`,
	} {
		if got := scalar(in); got != want {
			t.Errorf("scalar(%q) = %s, want %s", in, got, want)
		}
	}
}

// The job that docs/github-actions.md shows is the churn example's, as
// Workflow writes it ("..." leaves lines out).
func TestWorkflow_DocExcerpt(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "github-actions.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "```yaml\n  train_xgb:\n")
	if !ok {
		t.Fatal("docs/github-actions.md shows no train_xgb job")
	}
	block, _, _ = strings.Cut("  train_xgb:\n"+block, "```")
	got, err := Workflow(loadPipeline(t, "../examples/churn"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rest := string(got)
	for _, line := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		if strings.TrimSpace(line) == "..." {
			continue
		}
		i := strings.Index(rest, line+"\n")
		if i < 0 {
			t.Fatalf("the workflow has no line %q here (or not in this order)", line)
		}
		rest = rest[i+len(line):]
	}
}

// A store: in a bucket serves the jobs when MLCD_STORE is not set; a
// folder store cannot, so the plan job asks for MLCD_STORE.
func TestWorkflow_StoreOfMlcdYAML(t *testing.T) {
	const guard = `if [ -z "$MLCD_STORE" ]; then`
	for store, wantGuard := range map[string]bool{
		"":                 true,
		"/var/lib/mlcd":    true,
		"file:///srv/mlcd": true,
		"s3://ml/store":    false,
		"gs://ml/store":    false,
		"azblob://ml/st":   false,
	} {
		p, err := pipeline.Parse(pipeline.FileName, []byte("pipeline: p\ntasks:\n  a: {run: x}\n"))
		if err != nil {
			t.Fatal(err)
		}
		p.Store = store // as mlcd.yaml's store: says, once valid
		got, err := Workflow(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(got), guard) != wantGuard {
			t.Errorf("store %q: the plan job checks MLCD_STORE: %v, want %v", store, !wantGuard, wantGuard)
		}
	}
}
