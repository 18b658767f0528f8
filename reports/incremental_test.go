package reports

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A record read again from another checkout (the controller renders from a
// fresh checkout each time) gives the same page, and its copied logs stay.
func TestBuilder_BuildFromAnotherCheckoutKeepsLogs(t *testing.T) {
	t.Parallel()
	src := filepath.Join("testdata", "small")
	out := t.TempDir()
	store := filepath.Join(src, "store")
	build := func(repo string) Stats {
		t.Helper()
		b, err := New(Options{Out: out, StoreDir: store})
		if err != nil {
			t.Fatal(err)
		}
		st, err := b.Build(context.Background(), repo)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	build(copyTree(t, filepath.Join(src, "repo")))
	logs, _ := filepath.Glob(filepath.Join(out, "logs", "*.txt"))
	if len(logs) == 0 {
		t.Fatal("the fixture's logs were not copied into the site")
	}
	build(copyTree(t, filepath.Join(src, "repo")))
	for _, l := range logs {
		if _, err := os.Stat(l); err != nil {
			t.Errorf("log %s removed by a rebuild from another checkout", filepath.Base(l))
		}
	}
}

// copyTree copies a fixture repository into a new folder: a fresh
// checkout, with new modification times.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}
