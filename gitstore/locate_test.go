package gitstore

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// A bare repository inside a checkout that has an origin is itself, not the
// checkout's origin: what `make demo` does in a user's clone.
func TestLocateRemote(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is needed to make the repositories of this test")
		}
		t.Skip("git not installed")
	}
	root := t.TempDir()
	upstream := filepath.Join(root, "upstream.git")
	checkout := filepath.Join(root, "checkout")
	gitCmd(t, root, "init", "-q", "--bare", upstream)
	gitCmd(t, root, "clone", "-q", upstream, checkout)
	inner := filepath.Join(checkout, "demo", "remote.git")
	gitCmd(t, root, "init", "-q", "--bare", inner)
	plain := filepath.Join(checkout, "src")
	if err := os.MkdirAll(plain, 0o755); err != nil {
		t.Fatal(err)
	}
	lone := filepath.Join(root, "lone")
	gitCmd(t, root, "init", "-q", lone)

	tests := []struct {
		arg, url, why string
	}{
		{inner, inner, "the bare repository " + inner},
		{checkout, upstream, "the origin of the checkout " + checkout},
		{plain, upstream, plain + " itself is no repository"},
		{lone, lone, "which has no origin"},
		{"https://example.com/a.git", "https://example.com/a.git", ""},
		{"git@example.com:a.git", "git@example.com:a.git", ""},
	}
	for _, tt := range tests {
		got, err := LocateRemote(tt.arg)
		if err != nil {
			t.Errorf("LocateRemote(%s): %v", tt.arg, err)
			continue
		}
		if got.URL != tt.url || !strings.Contains(got.Why, tt.why) {
			t.Errorf("LocateRemote(%s) = %+v, want URL %s and Why containing %q", tt.arg, got, tt.url, tt.why)
		}
	}
	outside := filepath.Join(root, "nothing")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LocateRemote(outside); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), outside) {
		t.Errorf("LocateRemote(a plain folder) = %v, want ErrNotFound naming it", err)
	}
	if _, err := LocateRemote(filepath.Join(root, "missing")); err == nil {
		t.Error("LocateRemote(a missing path) succeeded")
	}
}
