package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	t.Setenv("MLCD_STORE", "")
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // no default store
	repo := t.TempDir()
	if err := os.CopyFS(repo, os.DirFS(filepath.Join("..", "..", "reports", "testdata", "small", "repo"))); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "site")
	broken := t.TempDir()
	validateWriteFile(t, filepath.Join(broken, "runs", "p", "r1.json"), `{"id": "r1", "pipeline": `)
	tests := []struct {
		name     string
		args     []string
		wantOut  string
		wantErr  string
		wantCode int
	}{
		{"first build", []string{"report", "--repo", repo, "--out", out}, "report: 5 runs (5 read), ", "", exitOK},
		{"nothing changed", []string{"report", "--repo", repo, "--out", out}, "report: 5 runs (0 read), 0 files written", "", exitOK},
		{"push outside a git repository", []string{"report", "--repo", repo, "--out", out, "--push", "gh-pages"}, "report: 5 runs", "open repository", exitError},
		{"broken record", []string{"report", "--repo", broken, "--out", filepath.Join(t.TempDir(), "s")}, "report: 0 runs", "runs/p/r1.json", exitError},
		{"stray argument", []string{"report", "x"}, "", "unknown command", exitError},
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
			if !strings.HasPrefix(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q, want prefix %q", stdout.String(), tt.wantOut)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	for _, page := range []string{"index.html", "runs/index.html", "models/churn-rf/index.html", "compare.html"} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(page))); err != nil {
			t.Errorf("page %s not written: %v", page, err)
		}
	}
}

// Every read-only command finds the store by the one rule and creates none.
func TestExistingStore(t *testing.T) {
	store := t.TempDir()
	if err := os.MkdirAll(filepath.Join(store, "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	validateWriteFile(t, filepath.Join(repo, "mlcd.yaml"), "pipeline: p\nstore: file://"+store+"\ntasks:\n  a: {run: echo}\n")
	empty := t.TempDir()
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "mlcd", "store", "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		repo string
		flag string
		env  map[string]string
		want string
	}{
		{"--store wins", repo, data + "/mlcd/store", map[string]string{"MLCD_STORE": store}, filepath.Join(data, "mlcd", "store")},
		{"MLCD_STORE next", repo, "", map[string]string{"MLCD_STORE": store, "XDG_DATA_HOME": data}, store},
		{"store: in mlcd.yaml", repo, "", map[string]string{"XDG_DATA_HOME": data}, store},
		{"the user's data folder", empty, "", map[string]string{"XDG_DATA_HOME": data}, filepath.Join(data, "mlcd", "store")},
		{"a store that is not there is not created", empty, "", map[string]string{"MLCD_STORE": filepath.Join(empty, "nope")}, ""},
		{"a bucket URL without a bucket is an error", empty, "", map[string]string{"MLCD_STORE": "s3:///x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := existingStore(context.Background(), tt.flag, tt.repo, func(k string) string { return tt.env[k] })
			got := ""
			if err == nil {
				got = st.String()
			}
			if got != tt.want {
				t.Errorf("existingStore = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(empty, "nope")); !os.IsNotExist(err) {
		t.Errorf("a missing store was created: %v", err)
	}
}
