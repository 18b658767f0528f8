// Package lintflow checks GitHub Actions workflows in tests with the
// actionlint that `make test` installs (pinned in the Makefile), so that a
// workflow mlcd writes is one GitHub reads.
//
// It is for tests only; without actionlint a test is skipped, and fails
// under CI=true.
package lintflow

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Binary is the actionlint to run: $ACTIONLINT, else bin/tools/actionlint
// of this module.
func Binary(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("ACTIONLINT")}
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "..", "bin", "tools", "actionlint"))
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("actionlint is not installed: run make actionlint (or set ACTIONLINT)")
	}
	t.Skip("actionlint is not installed: run make actionlint (or set ACTIONLINT)")
	return ""
}

// Check runs actionlint on the workflow and fails the test with its
// findings. labels are the labels of the self-hosted runners it may name.
func Check(t testing.TB, workflow []byte, labels ...string) {
	t.Helper()
	lint := Binary(t)
	dir := filepath.Join(t.TempDir(), ".github")
	if err := os.MkdirAll(filepath.Join(dir, "workflows"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "workflows", "mlcd.yml")
	config := filepath.Join(dir, "actionlint.yaml")
	conf := "self-hosted-runner:\n  labels: ["
	for i, l := range labels {
		if i > 0 {
			conf += ", "
		}
		conf += `"` + l + `"`
	}
	conf += "]\n"
	if err := os.WriteFile(file, workflow, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lint, "-no-color", "-config-file", config, file).CombinedOutput()
	if err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}
