package gitstore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// history makes a few commits on top of the remote's first one: edits,
// additions, a deletion, a file that becomes a folder, an executable.
func history(t *testing.T, rm *remote) (second, third string) {
	t.Helper()
	p := rm.person
	p.Write("data/a.csv", "x\n1\n")
	p.Write("data/old.csv", "old\n")
	p.Write("notes", "a file for now\n")
	second = p.Commit("second")
	p.Write("data/a.csv", "x\n2\n")
	p.Remove("data/old.csv")
	p.Remove("notes")
	p.Write("notes/today.md", "# today\n")
	p.Write("src/deep/er/util.py", "pass\n")
	p.Write("run.sh", "#!/bin/sh\necho hi\n")
	p.Git("update-index", "--chmod=+x", "run.sh")
	p.Git("update-index", "--chmod=+x", "src/train.py") // a mode-only change
	third = p.Commit("third")
	p.Push()
	return second, third
}

func TestRepo_ChangedPathsMatchesGitDiff(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	second, third := history(t, rm)
	r := open(t, rm.url, Options{})
	tests := []struct{ from, to string }{
		{rm.first, second},
		{second, third},
		{rm.first, third},
		{third, rm.first},
		{third, third},
	}
	for _, tt := range tests {
		got, err := r.ChangedPaths(testContext(t), tt.from, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		want := lines(gittest.Git(t, rm.bare, "diff", "--no-renames", "--name-only", tt.from, tt.to))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ChangedPaths(%s, %s) (-want +got):\n%s", short(tt.from), short(tt.to), diff)
		}
	}
	all, err := r.ChangedPaths(testContext(t), "", third)
	if err != nil {
		t.Fatal(err)
	}
	want := lines(gittest.Git(t, rm.bare, "ls-tree", "-r", "--name-only", third))
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("ChangedPaths(\"\", to) should list every file (-want +got):\n%s", diff)
	}
	if _, err := r.ChangedPaths(testContext(t), rm.first, strings.Repeat("ab", 20)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown commit: %v, want ErrNotFound", err)
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	out := strings.Split(s, "\n")
	sort.Strings(out)
	return out
}

func TestRepo_ReadFile(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	second, _ := history(t, rm)
	r := open(t, rm.url, Options{})
	tests := []struct {
		commit, path, want string
		err                error
	}{
		{rm.first, "mlcd.yaml", "pipeline: demo\n", nil},
		{second, "data/a.csv", "x\n1\n", nil},
		{second, "./data/a.csv", "x\n1\n", nil},
		{rm.first, "data/a.csv", "", fs.ErrNotExist},
		{second, "data", "", fs.ErrNotExist},
		{second, "notes/today.md", "", fs.ErrNotExist}, // through a file
		{"not-a-hash", "mlcd.yaml", "", ErrNotFound},
		{strings.Repeat("0", 40), "mlcd.yaml", "", ErrNotFound},
	}
	for _, tt := range tests {
		got, err := r.ReadFile(testContext(t), tt.commit, tt.path)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ReadFile(%s, %s) error = %v, want %v", short(tt.commit), tt.path, err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("ReadFile(%s, %s) = %q, %v; want %q", short(tt.commit), tt.path, got, err, tt.want)
		}
	}
}

func TestRepo_FS(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	_, third := history(t, rm)
	r := open(t, rm.url, Options{})
	fsys, err := r.FS(testContext(t), third)
	if err != nil {
		t.Fatal(err)
	}
	want := lines(gittest.Git(t, rm.bare, "ls-tree", "-r", "--name-only", third))
	if err := fstest.TestFS(fsys, want...); err != nil {
		t.Fatal(err)
	}
	info, err := fs.Stat(fsys, "run.sh")
	if err != nil || info.Mode() != 0o755 {
		t.Fatalf("run.sh mode = %v, %v; want 0755", info, err)
	}
	if _, err := fs.ReadFile(fsys, "data/old.csv"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("deleted file: %v, want fs.ErrNotExist", err)
	}
}

func TestRepo_Commit(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	p := rm.person
	p.Branch("feature")
	p.Write("models/m/v1.yaml", "stage: Production\n")
	side := p.Commit("promote v1")
	p.Switch("main")
	merge := p.Merge("feature", "Merge pull request #7 from ada/feature")
	p.Push()
	r := open(t, rm.url, Options{})
	got, err := r.Commit(testContext(t), merge)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{rm.first, side}, got.Parents); diff != "" {
		t.Errorf("parents (-want +got):\n%s", diff)
	}
	if got.Author.Name != "Ada Person" || got.Committer.Email != "ada@example.com" || got.Author.When.IsZero() {
		t.Errorf("signatures = %+v / %+v", got.Author, got.Committer)
	}
	if got.Message != "Merge pull request #7 from ada/feature\n" {
		t.Errorf("message = %q", got.Message)
	}
}

func TestRepo_Checkout(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	_, third := history(t, rm)
	r := open(t, rm.url, Options{})
	dir := filepath.Join(t.TempDir(), "runs", "r1")
	if err := r.Checkout(testContext(t), third, dir); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := lines(gittest.Git(t, rm.bare, "ls-tree", "-r", "--name-only", third))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("checked-out files (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(filepath.Join(dir, "data", "a.csv"))
	if err != nil || string(data) != "x\n2\n" {
		t.Fatalf("data/a.csv = %q, %v", data, err)
	}
	if info, err := os.Stat(filepath.Join(dir, "run.sh")); err != nil || info.Mode().Perm()&0o100 == 0 {
		t.Fatalf("run.sh is not executable: %v, %v", info, err)
	}
	if err := r.Checkout(testContext(t), third, dir); err == nil {
		t.Fatal("Checkout into a non-empty folder succeeded")
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".*checkout*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary folders left: %v", leftovers)
	}
}

func TestRepo_PathLog(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	p := rm.person
	p.Write("models/m/v1.yaml", "stage: None\n")
	created := p.Commit("register v1")
	p.Write("src/train.py", "print('other')\n")
	p.Commit("unrelated")
	p.Branch("promote")
	p.Write("models/m/v1.yaml", "stage: Production\n")
	p.Git("commit", "--quiet", "-am", "promote v1")
	promoted := p.Head()
	p.Switch("main")
	p.Git("merge", "--quiet", "--no-ff", "-m", "Merge pull request #1", "promote")
	p.Git("rm", "--quiet", "models/m/v1.yaml")
	p.Git("commit", "--quiet", "-m", "drop v1")
	dropped := p.Head()
	p.Push()
	r := open(t, rm.url, Options{})
	got, err := r.PathLog(testContext(t), "models/m/v1.yaml", 10)
	if err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, c := range got {
		hashes = append(hashes, c.Hash)
	}
	// The commits may share a second, so compare as sets with git's own
	// answer (which also skips the merge that took the file from one side).
	want := strings.Fields(gittest.Git(t, rm.bare, "log", "--format=%H", "main", "--", "models/m/v1.yaml"))
	if diff := cmp.Diff(sortedCopy(want), sortedCopy(hashes)); diff != "" {
		t.Errorf("PathLog commits (-git log +got):\n%s", diff)
	}
	for _, h := range []string{created, promoted, dropped} {
		if !contains(hashes, h) {
			t.Errorf("PathLog misses %s", short(h))
		}
	}
	if one, err := r.PathLog(testContext(t), "models/m/v1.yaml", 1); err != nil || len(one) != 1 {
		t.Errorf("PathLog(n=1) = %d commits, %v", len(one), err)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
