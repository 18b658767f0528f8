package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateCommand(t *testing.T) {
	good := t.TempDir()
	validateWriteFile(t, filepath.Join(good, "mlcd.yaml"), "pipeline: churn\ntasks:\n  load: {run: echo load}\n  train: {run: echo train, needs: [load]}\n")
	bad := t.TempDir()
	validateWriteFile(t, filepath.Join(bad, "mlcd.yaml"), "pipeline: churn\ntasks:\n  load: {run: echo, retries: two}\n  train: {run: echo, needs: [laod]}\n")
	empty := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantOut  string
		wantCode int
	}{
		{"good", []string{"validate", good}, filepath.Join(good, "mlcd.yaml") + ": ok: pipeline churn, 2 tasks\n", exitOK},
		{"bad", []string{"validate", bad}, filepath.Join(bad, "mlcd.yaml") + `:3:30: task "load": retries: must be an integer, got string
` + filepath.Join(bad, "mlcd.yaml") + `:4:30: task "train": needs unknown task "laod" (did you mean "load"?)
`, exitBadInput},
		{"missing", []string{"validate", empty}, filepath.Join(empty, "mlcd.yaml") + ": not found", exitBadInput},
		{"too many args", []string{"validate", good, bad}, "", exitBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := newRootCommand(&globalOptions{stdout: &stdout, stderr: &stderr})
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			if got := exitCode(err); got != tt.wantCode {
				t.Errorf("exit code %d (err %v), want %d", got, err, tt.wantCode)
			}
			exact := tt.name != "missing" // the missing-file message goes on with a hint
			if got := stdout.String(); (exact && got != tt.wantOut) || !strings.HasPrefix(got, tt.wantOut) {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), tt.wantOut)
			}
		})
	}
}

// The messages use the path as the user gave it: relative stays relative.
func TestValidateCommand_RelativePath(t *testing.T) {
	dir := t.TempDir()
	validateWriteFile(t, filepath.Join(dir, "proj", "mlcd.yaml"), "pipeline: p\ntasks: {a: {run: x, needs: [a]}}\n")
	t.Chdir(dir)
	var stdout bytes.Buffer
	cmd := newRootCommand(&globalOptions{stdout: &stdout, stderr: &bytes.Buffer{}})
	cmd.SetArgs([]string{"validate", "proj"})
	err := cmd.Execute()
	want := "proj/mlcd.yaml:2:29: task \"a\": needs itself\n"
	if stdout.String() != want || exitCode(err) != exitBadInput {
		t.Errorf("got %q (exit %d), want %q (exit 3)", stdout.String(), exitCode(err), want)
	}
	if err == nil || err.Error() != "proj/mlcd.yaml: 1 problem" {
		t.Errorf("error %v, want %q", err, "proj/mlcd.yaml: 1 problem")
	}
}

func validateWriteFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
