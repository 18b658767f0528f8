package gitstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A kill -9 while go-git writes a loose ref leaves it empty (go-git
// truncates, then writes). Reopening the state clone repairs it, and the
// fetch works instead of failing with "ref file is empty" for ever.
func TestOpen_RepairsRefsAKilledProcessLeftEmpty(t *testing.T) {
	t.Parallel()
	rm := newRemote(t)
	dir := filepath.Join(t.TempDir(), "repo.git")
	r, err := Open(testContext(t), dir, Options{URL: rm.url})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Fetch(testContext(t)); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"refs/remotes/origin/main": "",
		"refs/heads/stray":         "3f2a",
		"HEAD":                     "",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	second := rm.person.Commit("second")
	rm.person.Push()

	r2, err := Open(testContext(t), dir, Options{URL: rm.url})
	if err != nil {
		t.Fatalf("reopen a clone with broken refs: %v", err)
	}
	if got, err := r2.Fetch(testContext(t)); err != nil || got != second {
		t.Fatalf("Fetch after repair = %s, %v; want %s", got, err, second)
	}
	if head, err := os.ReadFile(filepath.Join(dir, "HEAD")); err != nil || strings.TrimSpace(string(head)) != "ref: refs/heads/main" {
		t.Errorf("HEAD = %q, %v; want the tracked branch", head, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "refs/heads/stray")); !os.IsNotExist(err) {
		t.Errorf("a malformed ref was kept: %v", err)
	}
}

func TestValidRef(t *testing.T) {
	for in, want := range map[string]bool{
		"":                                       false,
		"\n":                                     false,
		"3f2a":                                   false,
		strings.Repeat("a", 40):                  true,
		strings.Repeat("a", 40) + "\n":           true,
		strings.Repeat("g", 40):                  false,
		"ref: refs/heads/main\n":                 true,
		"ref: \n":                                false,
		strings.Repeat("0", 39) + "\n" + "trail": false,
	} {
		if got := validRef([]byte(in)); got != want {
			t.Errorf("validRef(%q) = %v, want %v", in, got, want)
		}
	}
}
