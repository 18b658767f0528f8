package watcher

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// testRemote is a real bare repository on disk with a clone that pushes to
// it, as a person would.
type testRemote struct {
	t     testing.TB
	bare  string
	work  string
	n     int
	polls atomic.Int64 // calls of head()
}

func newTestRemote(t testing.TB) *testRemote {
	t.Helper()
	dir := t.TempDir()
	r := &testRemote{t: t, bare: filepath.Join(dir, "remote.git"), work: filepath.Join(dir, "work")}
	r.git(dir, "init", "--quiet", "--bare", "--initial-branch=main", r.bare)
	r.git(dir, "init", "--quiet", "--initial-branch=main", r.work)
	r.git(r.work, "remote", "add", "origin", r.bare)
	r.push()
	return r
}

// git runs git in dir with no machine configuration and returns its output.
func (r *testRemote) git(dir string, args ...string) string {
	r.t.Helper()
	out, err := gitCmd(context.Background(), dir, args...).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		r.t.Fatalf("git %s: %s", strings.Join(args, " "), msg)
	}
	return strings.TrimSpace(string(out))
}

func gitCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.com")
	return cmd
}

// push commits a change in the clone, pushes it to main and returns the
// new head.
func (r *testRemote) push() string {
	r.t.Helper()
	r.n++
	name := filepath.Join(r.work, "data.txt")
	if err := os.WriteFile(name, fmt.Appendf(nil, "change %d\n", r.n), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.git(r.work, "add", "data.txt")
	r.git(r.work, "commit", "--quiet", "-m", fmt.Sprintf("change %d", r.n))
	r.git(r.work, "push", "--quiet", "origin", "main")
	return r.git(r.work, "rev-parse", "HEAD")
}

// head asks the bare repository for its main branch with `git ls-remote`:
// one round trip, no objects, like gitstore's RemoteHead.
func (r *testRemote) head(ctx context.Context) (string, error) {
	r.polls.Add(1)
	out, err := gitCmd(ctx, "", "ls-remote", "--heads", r.bare, "refs/heads/main").Output()
	if err != nil {
		return "", fmt.Errorf("ls-remote: %w", err)
	}
	sha, _, ok := strings.Cut(string(out), "\t")
	if !ok {
		return "", fmt.Errorf("ls-remote: no branch main in %q", out)
	}
	return sha, nil
}
