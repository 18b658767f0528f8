package reports

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestPublish(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git is needed: %v", err)
		}
		t.Skip("no git")
	}
	remote := t.TempDir()
	runGit(t, remote, "init", "-q", "--bare", "-b", "main")
	repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
	runGit(t, repo, "init", "-q", "-b", "main")
	runGit(t, repo, "add", ".")
	runGit(t, repo, "commit", "-q", "-m", "runs")
	runGit(t, repo, "remote", "add", "origin", remote)
	head := runGit(t, repo, "rev-parse", "HEAD")

	site := filepath.Join(t.TempDir(), "site")
	b, err := New(Options{Out: site})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.Build(ctx, repo); err != nil {
		t.Fatal(err)
	}
	res, err := Publish(ctx, repo, site, "gh-pages", "report")
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if !res.Changed || !res.Pushed {
		t.Errorf("first publish: %+v, want changed and pushed", res)
	}
	files := runGit(t, repo, "ls-tree", "-r", "--name-only", "gh-pages")
	for _, want := range []string{".nojekyll", "index.html", "runs/index.html", "static/report.js", "models/churn-rf/index.html"} {
		if !strings.Contains("\n"+files+"\n", "\n"+want+"\n") {
			t.Errorf("gh-pages lacks %s:\n%s", want, files)
		}
	}
	if strings.Contains(files, ManifestName) {
		t.Error("gh-pages holds the build manifest")
	}
	if got := runGit(t, remote, "rev-parse", "gh-pages"); got != res.Commit {
		t.Errorf("remote gh-pages = %s, want %s", got, res.Commit)
	}
	runGit(t, repo, "fsck", "--strict")
	if got := runGit(t, repo, "rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved from %s to %s", head, got)
	}
	if st := runGit(t, repo, "status", "--porcelain"); st != "" {
		t.Errorf("working tree changed:\n%s", st)
	}

	again, err := Publish(ctx, repo, site, "gh-pages", "report")
	if err != nil || again.Changed || again.Commit != res.Commit {
		t.Errorf("publish of an unchanged site: %+v, %v; want no new commit", again, err)
	}

	if err := os.WriteFile(filepath.Join(site, "extra.html"), []byte("<p>x</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	next, err := Publish(ctx, repo, site, "gh-pages", "report")
	if err != nil || !next.Changed {
		t.Fatalf("publish of a changed site: %+v, %v", next, err)
	}
	if parent := runGit(t, repo, "rev-parse", "gh-pages^"); parent != res.Commit {
		t.Errorf("new commit's parent = %s, want %s", parent, res.Commit)
	}
}
