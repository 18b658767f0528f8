package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/mlcd-dev/mlcd/ghactions"
	"github.com/mlcd-dev/mlcd/internal/lintflow"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// export github writes the workflow of the repository's pipeline, the same
// with --out as on standard output, and names in its header the command
// that writes it again.
func TestExportGitHub(t *testing.T) {
	t.Parallel()
	repo := filepath.Join("..", "..", "examples", "quickstart")
	var stdout bytes.Buffer
	o := &exportOptions{repo: repo, branch: "main", groups: []string{"train=train_small, train_medium"}}
	if err := runExportGitHub(context.Background(), o, &stdout); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), ".github", "workflows", "tasks.yml")
	o.out = file
	var msg bytes.Buffer
	if err := runExportGitHub(context.Background(), o, &msg); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.String(), "wrote "+file) || !strings.Contains(msg.String(), "MLCD_STORE") {
		t.Errorf("message %q", msg.String())
	}
	wantHeader := "# Write it again after changing the tasks: mlcd export github --repo " + repo + " --out " + file + " --group 'train=train_small, train_medium'\n"
	if !bytes.Contains(written, []byte(wantHeader)) {
		t.Errorf("the header lacks %q:\n%s", wantHeader, written)
	}
	// Apart from the header, the file is the standard output's.
	strip := func(b []byte) string {
		_, rest, _ := strings.Cut(string(b), "\n# Guide:")
		return rest
	}
	if strip(written) != strip(stdout.Bytes()) {
		t.Error("--out and standard output differ")
	}
	var wf struct {
		Jobs map[string]struct {
			Needs []string `yaml:"needs"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(written, &wf); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"plan": nil, "prepare": {"plan"}, "train": {"plan", "prepare"}, "train_large": {"plan", "prepare"},
		"evaluate": {"plan", "train", "train_large"}, "record": {"plan", "prepare", "train", "train_large", "evaluate"},
	}
	if len(wf.Jobs) != len(want) {
		t.Errorf("jobs %v, want %v", wf.Jobs, want)
	}
	for id, needs := range want {
		if got := wf.Jobs[id].Needs; strings.Join(got, ",") != strings.Join(needs, ",") {
			t.Errorf("job %s needs %v, want %v", id, got, needs)
		}
	}
	lintflow.Check(t, written)
}

// Mistakes in the flags or in mlcd.yaml exit with 3 and say what is wrong.
func TestExportGitHub_BadInput(t *testing.T) {
	t.Parallel()
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "mlcd.yaml"), []byte("pipeline: p\ntasks:\n  a: {run: x, runs_on: []}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	quickstart := filepath.Join("..", "..", "examples", "quickstart")
	tests := []struct {
		name string
		o    exportOptions
		want string
	}{
		{"a group without tasks", exportOptions{repo: quickstart, groups: []string{"solo"}}, `--group: bad group "solo"`},
		{"an unknown task", exportOptions{repo: quickstart, groups: []string{"g=prepare,trian_small"}}, `group "g": no task "trian_small"`},
		{"groups in a cycle", exportOptions{repo: quickstart, groups: []string{"ends=prepare,evaluate"}}, "the groups need each other"},
		{"a setup on two lines", exportOptions{repo: quickstart, setup: []string{"a\nb"}}, "bad setup command"},
		{"a bad mlcd.yaml", exportOptions{repo: broken}, "mlcd.yaml:3:24: task \"a\": runs_on: name at least one runner label"},
		{"no mlcd.yaml", exportOptions{repo: t.TempDir()}, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.branch = "main"
			out := filepath.Join(t.TempDir(), "wf.yml")
			tt.o.out = out
			err := runExportGitHub(context.Background(), &tt.o, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != exitBadInput {
				t.Errorf("err %v (exit %d), want %q and exit %d", err, exitCode(err), tt.want, exitBadInput)
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Error("a workflow was written despite the error")
			}
		})
	}
}

// init --actions-jobs writes the per-task workflow for the scaffold's
// pipeline, installing what its tasks need, next to the one-pass workflow,
// which keeps checking promotions and deploying, skips its own pipeline
// step when the per-task workflow is there and renders the report when it
// ends; actionlint passes both.
func TestInitCommand_ActionsJobs(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "repo")
	var out bytes.Buffer
	if err := runInit(context.Background(), &initOptions{dir: dir, actionsJobs: true}, &out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ghactions.File)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ghactions.Workflow(p, ghactions.Options{Setup: []string{scaffoldPackages},
		Command: "mlcd export github --out .github/workflows/mlcd-tasks.yml --setup '" + scaffoldPackages + "'"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("init --actions-jobs wrote another workflow than export github:\n%s", got)
	}
	for _, part := range []string{"mlcd task exec --run \"$MLCD_RUN\" --task train", "python3-sklearn python3-pandas", "mlcd task collect", "name: \"" + ghactions.Name + "\""} {
		if !bytes.Contains(got, []byte(part)) {
			t.Errorf("workflow lacks %q", part)
		}
	}
	if !strings.Contains(out.String(), "wrote "+ghactions.File) {
		t.Errorf("init did not list %s:\n%s", ghactions.File, &out)
	}
	onePass, err := os.ReadFile(filepath.Join(dir, ".github", "workflows", "mlcd.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{
		"workflows: [\"" + ghactions.Name + "\"]",
		"if: hashFiles('" + ghactions.File + "') == ''\n        run: mlcd run --once",
		"run: mlcd check --github", "run: mlcd deploy --once", "mlcd report --repo .",
	} {
		if !bytes.Contains(onePass, []byte(part)) {
			t.Errorf("mlcd.yml lacks %q", part)
		}
	}
	lintflow.Check(t, onePass)
	lintflow.Check(t, got)
}
