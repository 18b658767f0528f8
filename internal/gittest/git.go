package gittest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Env is the environment every git command of this package runs with: the
// machine's and the user's git configuration are ignored and the identity
// is fixed. It is exported so tests that start git themselves can use it.
func Env() []string {
	return append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Ada Person",
		"GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Ada Person",
		"GIT_COMMITTER_EMAIL=ada@example.com",
		"LC_ALL=C",
	)
}

// Git runs git with args in dir and returns its trimmed standard output. It
// fails the test on error, so call it from the test's goroutine only; use
// TryGit elsewhere.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := TryGit(dir, nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TryGit runs git with args in dir, feeding it stdin when not nil, and
// returns its trimmed standard output, or an error that holds its stderr.
func TryGit(dir string, stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = Env()
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// requireGit skips the test when git is absent, or fails it under CI=true.
func requireGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git is required: %v", err)
		}
		t.Skipf("git is not installed: %v", err)
	}
}
