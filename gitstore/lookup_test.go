package gitstore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// TestTreeFS_lookupInGitOrder reads names that sort differently as files
// and as folders ("a" folder after "a.b" and "a-b", before "a0"): every
// one is found by the binary search, and missing names are not.
func TestTreeFS_lookupInGitOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gittest.Git(t, dir, "init", "--quiet", "--initial-branch=main")
	files := []string{"a-b", "a.b", "a/x", "a0", "ab/y", "b", "a.b.c/z", "m/v1.yaml", "m/v10.yaml", "m/v2.yaml", "m/v2/n"}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gittest.Git(t, dir, "add", "-A")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "names")
	head := gittest.Git(t, dir, "rev-parse", "HEAD")
	r, err := OpenWorkTree(testContext(t), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fsys, err := r.FS(testContext(t), head)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil || string(data) != f {
			t.Errorf("ReadFile(%s) = %q, %v", f, data, err)
		}
	}
	for _, d := range []string{"a", "ab", "a.b.c", "m", "m/v2"} {
		if fi, err := fs.Stat(fsys, d); err != nil || !fi.IsDir() {
			t.Errorf("Stat(%s) = %v, %v; want a folder", d, fi, err)
		}
	}
	for _, missing := range []string{"a.", "a/y", "a-", "c", "m/v3.yaml", "b/c", "a0/x"} {
		if _, err := fs.Stat(fsys, missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s): %v, want not exist", missing, err)
		}
	}
}

// TestSearchEntry_unsorted: a tree out of git's order is still searched.
func TestSearchEntry_unsorted(t *testing.T) {
	entries := treeEntriesNamed("c", "a", "b")
	for _, name := range []string{"a", "b", "c"} {
		if e, ok := searchEntry(entries, name); !ok || e.Name != name {
			t.Errorf("searchEntry(%s) = %v, %v", name, e, ok)
		}
	}
	if _, ok := searchEntry(entries, "d"); ok {
		t.Error("found a missing name")
	}
}

func treeEntriesNamed(names ...string) []object.TreeEntry {
	out := make([]object.TreeEntry, len(names))
	for i, n := range names {
		out[i] = object.TreeEntry{Name: n, Mode: filemode.Regular, Hash: plumbing.ZeroHash}
	}
	return out
}

func TestRepo_commitTree(t *testing.T) {
	t.Parallel()
	dir := packedRepo(t, false)
	r, err := OpenWorkTree(testContext(t), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, rev := range []string{"HEAD", "HEAD~1", "HEAD~3"} {
		commit := gittest.Git(t, dir, "rev-parse", rev)
		want := gittest.Git(t, dir, "rev-parse", rev+"^{tree}")
		got, err := r.commitTree(commit)
		if err != nil || got.String() != want {
			t.Errorf("commitTree(%s) = %s, %v; want %s", rev, got, err, want)
		}
	}
	tree := gittest.Git(t, dir, "rev-parse", "HEAD^{tree}")
	if _, err := r.commitTree(tree); err == nil {
		t.Error("commitTree of a tree: no error")
	}
	if _, err := r.commitTree("0123456789012345678901234567890123456789"); !errors.Is(err, ErrNotFound) {
		t.Errorf("commitTree of a missing commit: %v, want ErrNotFound", err)
	}
}
