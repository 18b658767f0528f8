package gittest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// NewBare creates an empty bare repository "repo.git" in a fresh temporary
// directory and returns its path. Its default branch is main, and
// core.logAllRefUpdates=true keeps a reflog of every branch, so a test can
// check that no update was forced (see CheckNoForcedUpdates).
func NewBare(t testing.TB) string {
	t.Helper()
	return NewBareIn(t, t.TempDir(), "repo.git")
}

// NewBareIn creates an empty bare repository called name under root (for a
// Server that serves root) and returns its path.
func NewBareIn(t testing.TB, root, name string) string {
	t.Helper()
	requireGit(t)
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	Git(t, dir, "init", "--quiet", "--bare", "--initial-branch=main")
	Git(t, dir, "config", "core.logAllRefUpdates", "true")
	return dir
}

// CheckNoForcedUpdates fails the test when the reflog of branch in the bare
// repository records a forced update, and returns how many updates the
// reflog holds.
func CheckNoForcedUpdates(t testing.TB, bare, branch string) int {
	t.Helper()
	n, forced, err := ForcedUpdates(bare, branch)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range forced {
		t.Errorf("forced update of %s: %s", branch, f)
	}
	return n
}

// ForcedUpdates reads the reflog of branch in the bare repository and
// returns how many updates it records and, as "old -> new", every update
// whose new value does not contain the old one: a force-push.
func ForcedUpdates(bare, branch string) (n int, forced []string, err error) {
	data, err := os.ReadFile(filepath.Join(bare, "logs", "refs", "heads", branch))
	if err != nil {
		return 0, nil, fmt.Errorf("reflog of %s: %w", branch, err)
	}
	const zero = "0000000000000000000000000000000000000000"
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line) // old new name <email> time zone\tmessage
		if len(f) < 2 {
			return n, forced, fmt.Errorf("reflog of %s: bad line %q", branch, line)
		}
		n++
		if f[0] == zero {
			continue // the branch was created
		}
		if _, err := TryGit(bare, nil, "merge-base", "--is-ancestor", f[0], f[1]); err != nil {
			forced = append(forced, f[0]+" -> "+f[1])
		}
	}
	return n, forced, nil
}

// Fsck fails the test when git fsck finds a problem in the repository.
func Fsck(t testing.TB, dir string) {
	t.Helper()
	if _, err := TryGit(dir, nil, "fsck", "--strict", "--no-progress"); err != nil {
		t.Fatalf("git fsck: %v", err)
	}
}
