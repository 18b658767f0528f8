package gitstore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// DirChanges reads each first-parent commit's changes under the folder,
// newest first, with both sides of each file, and stops where asked.
func TestDirChanges(t *testing.T) {
	ctx := testContext(t)
	r := newRemote(t)
	p := r.person
	p.Write("models/a/1.yaml", "stage: none\n")
	p.Write("models/empty", "")
	add := p.Commit("add")
	p.Write("models/a/1.yaml", "stage: production\n")
	p.Remove("models/empty")
	p.Write("src/train.py", "print('other')\n")
	change := p.Commit("change (#12)")
	p.Write("README", "not under models\n")
	p.Commit("readme")

	var got []DirCommitChanges
	head, err := DirChanges(ctx, p.Dir, DirLog{Dir: "models", Max: 100}, func(c DirCommitChanges) error {
		got = append(got, c)
		return nil
	})
	if err != nil || head != p.Head() {
		t.Fatalf("DirChanges = %s, %v; want %s", head, err, p.Head())
	}
	if len(got) != 2 || got[0].Hash != change || got[1].Hash != add || got[0].Message != "change (#12)\n" {
		t.Fatalf("commits = %+v, want %s then %s", got, change, add)
	}
	sides := map[string][2]*string{}
	for _, ch := range got[0].Changes {
		before, after, err := ch.Contents()
		if err != nil {
			t.Fatal(err)
		}
		sides[ch.Name] = [2]*string{str(before), str(after)}
	}
	if s := sides["a/1.yaml"]; s[0] == nil || *s[0] != "stage: none\n" || s[1] == nil || *s[1] != "stage: production\n" {
		t.Errorf("a/1.yaml = %v, want both sides", s)
	}
	if s, ok := sides["empty"]; !ok || s[0] == nil || *s[0] != "" || s[1] != nil {
		t.Errorf("removed empty file = %v, want an empty before and no after", s)
	}
	if len(sides) != 2 {
		t.Errorf("changes = %v, want a/1.yaml and empty", sides)
	}

	got = nil
	if _, err := DirChanges(ctx, p.Dir, DirLog{Dir: "models", Max: 100, Stop: add}, func(c DirCommitChanges) error {
		got = append(got, c)
		return nil
	}); err != nil || len(got) != 1 || got[0].Hash != change {
		t.Errorf("stopping at %s: %+v, %v; want only %s", add, got, err, change)
	}
	stop := errors.New("stop")
	if _, err := DirChanges(ctx, p.Dir, DirLog{Dir: "models", Max: 100}, func(DirCommitChanges) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("an error from fn = %v, want it returned", err)
	}
	if !OnFirstParentLine(ctx, p.Dir, p.Head(), add, 10) || OnFirstParentLine(ctx, p.Dir, add, change, 10) {
		t.Error("OnFirstParentLine: want the older commit on the newer's line, not the reverse")
	}
}

func str(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// A folder outside any repository, and a repository without a commit,
// have no history and no origin.
func TestDirChanges_NoHistory(t *testing.T) {
	ctx := testContext(t)
	empty := gittest.Person(t, "file://"+gittest.NewBare(t))
	for _, dir := range []string{t.TempDir(), empty.Dir} {
		head, err := DirChanges(ctx, dir, DirLog{Dir: "models", Max: 10}, func(DirCommitChanges) error {
			t.Error("fn called")
			return nil
		})
		if head != "" || err != nil {
			t.Errorf("%s: DirChanges = %q, %v; want no history", dir, head, err)
		}
	}
	if u, err := OriginURL(t.TempDir(), false); u != "" || err != nil {
		t.Errorf("OriginURL outside a repository = %q, %v", u, err)
	}
	if u, err := OriginURL(filepath.Join(empty.Dir, "sub"), false); u != empty.URL || err != nil {
		t.Errorf("OriginURL below a checkout = %q, %v; want %s", u, err, empty.URL)
	}
}

// CommitDir commits a folder as a branch's whole tree, leaves out what
// Skip says, adds the empty files, commits nothing when the tree is the
// same, and pushes to origin.
func TestCommitDir(t *testing.T) {
	ctx := context.Background()
	r := newRemote(t)
	p := r.person
	site := t.TempDir()
	for name, data := range map[string]string{"index.html": "<p>hi</p>", "a/b/c.txt": "c", "a/skip.me": "x", "empty/.keep.tmp-1": ""} {
		if err := os.MkdirAll(filepath.Join(site, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(site, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := DirCommit{Branch: "pages", Message: "site", Empty: []string{".nojekyll"},
		Skip: func(rel string, d fs.DirEntry) bool { return rel == "a/skip.me" || strings.Contains(d.Name(), ".tmp-") }}
	res, err := CommitDir(ctx, p.Dir, site, c)
	if err != nil || !res.Changed || !res.Pushed {
		t.Fatalf("CommitDir = %+v, %v; want changed and pushed", res, err)
	}
	files := gittest.Git(t, r.bare, "ls-tree", "-r", "--name-only", "pages")
	if files != ".nojekyll\na/b/c.txt\nindex.html" {
		t.Errorf("pages holds:\n%s", files)
	}
	gittest.Fsck(t, p.Dir)
	if again, err := CommitDir(ctx, p.Dir, site, c); err != nil || again.Changed || again.Commit != res.Commit {
		t.Errorf("again = %+v, %v; want no new commit", again, err)
	}
}
