package gitstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// TestWorkTreeHead follows a checkout from before its first commit to a
// detached HEAD: what counts as a change is what git status says about
// the folder asked for, the excluded paths aside.
func TestWorkTreeHead(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	if h, ok := WorkTreeHead(ctx, t.TempDir()); ok {
		t.Errorf("outside a checkout: %+v", h)
	}
	top := t.TempDir()
	gittest.Git(t, top, "init", "--quiet", "--initial-branch=main")
	if h, ok := WorkTreeHead(ctx, top); ok {
		t.Errorf("before the first commit: %+v", h)
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(top, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ml/mlcd.yaml", "pipeline: p\n")
	write("other/notes.txt", "x\n")
	gittest.Git(t, top, "add", "-A")
	gittest.Git(t, top, "commit", "--quiet", "-m", "first")
	head := gittest.Git(t, top, "rev-parse", "HEAD")
	ml := filepath.Join(top, "ml")
	check := func(what string, want HeadState) {
		t.Helper()
		got, ok := WorkTreeHead(ctx, ml, "runs", "models")
		if !ok || got != want {
			t.Errorf("%s: %+v, %v; want %+v", what, got, ok, want)
		}
	}
	check("clean", HeadState{Commit: head, Branch: "main"})
	write("ml/runs/p/r.json", "{}\n")
	write("ml/models/m/v1.yaml", "version: 1\n")
	write("other/notes.txt", "changed\n")
	check("changes only in excluded paths and outside the folder", HeadState{Commit: head, Branch: "main"})
	write("ml/new.py", "print(1)\n")
	check("an untracked file", HeadState{Commit: head, Branch: "main", Dirty: true})
	if err := os.Remove(filepath.Join(ml, "new.py")); err != nil {
		t.Fatal(err)
	}
	write("ml/mlcd.yaml", "pipeline: q\n")
	check("a changed file", HeadState{Commit: head, Branch: "main", Dirty: true})
	gittest.Git(t, top, "checkout", "--quiet", "--", "ml/mlcd.yaml")
	gittest.Git(t, top, "checkout", "--quiet", "--detach")
	check("detached", HeadState{Commit: head})
	if got, ok := CheckoutOf(ml); !ok || got != top {
		t.Errorf("CheckoutOf(%s) = %s, %v; want %s", ml, got, ok, top)
	}
}
