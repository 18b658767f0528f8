package reports

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mlcd-dev/mlcd/registry"
)

func TestStageHistoryFromGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git is needed: %v", err)
		}
		t.Skip("no git")
	}
	repo := t.TempDir()
	runGit(t, repo, "init", "-q", "-b", "main")
	runGit(t, repo, "remote", "add", "origin", "git@github.com:acme/churn.git")
	dir := filepath.Join(repo, "models", "churn-rf")
	src, err := os.ReadFile(filepath.Join("testdata", "small", "repo", "models", "churn-rf", "v2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(stage registry.Stage, msg string) {
		t.Helper()
		data, err := registry.SetStage("models/churn-rf/v2.yaml", src, stage)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "v2.yaml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		runGit(t, repo, "add", ".")
		runGit(t, repo, "commit", "-q", "-m", msg)
	}
	write(registry.StageNone, "mlcd: register churn-rf v2")
	if err := os.WriteFile(filepath.Join(repo, "README.md"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, repo, "add", ".")
	runGit(t, repo, "commit", "-q", "-m", "docs")
	write(registry.StageProduction, "Merge pull request #12 from acme/promote-v2\n\nPromote")

	// A build reads the history, the next one only the commits since.
	site := t.TempDir()
	b, err := New(Options{Out: site, GitHistory: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	write(registry.StageArchived, "Archive v2 (#13)")
	if _, err := b.Build(context.Background(), repo); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(site, "models", "churn-rf", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="https://github.com/acme/churn/pull/12">#12</a>`, `href="https://github.com/acme/churn/pull/13">#13</a>`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("model page after two builds lacks %s", want)
		}
	}

	got, err := StageHistoryFromGit(context.Background(), repo, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := []StageChange{
		{Model: "churn-rf", Version: 2, From: registry.StageProduction, To: registry.StageArchived, Author: "t", PR: 13,
			PRURL: "https://github.com/acme/churn/pull/13"},
		{Model: "churn-rf", Version: 2, From: registry.StageNone, To: registry.StageProduction, Author: "t", PR: 12,
			PRURL: "https://github.com/acme/churn/pull/12"},
	}
	if diff := cmp.Diff(want, got["churn-rf"], cmpopts.IgnoreFields(StageChange{}, "Time", "Commit")); diff != "" {
		t.Errorf("stage history (-want +got):\n%s", diff)
	}
	for _, c := range got["churn-rf"] {
		if len(c.Commit) != 40 || c.Time.IsZero() {
			t.Errorf("change without commit or time: %+v", c)
		}
	}
	if few, err := StageHistoryFromGit(context.Background(), repo, 1); err != nil || len(few["churn-rf"]) != 1 {
		t.Errorf("with 1 commit: %v, %v; want the newest change only", few, err)
	}
	if none, err := StageHistoryFromGit(context.Background(), t.TempDir(), 100); err != nil || none != nil {
		t.Errorf("outside a repository: %v, %v; want nil, nil", none, err)
	}
}
