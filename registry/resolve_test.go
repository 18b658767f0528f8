package registry

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/diag"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(p, data string) {
		t.Helper()
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, stage := range []Stage{StageArchived, StageProduction, StageStaging, StageStaging} {
		v := sampleVersion("churn", i+1)
		v.Stage = stage
		if i == 2 {
			v.Aliases = []string{"champion"}
		}
		write(v.Path(), string(Marshal(v)))
	}
	write("models/bad/v1.yaml", "nonsense: 1\n")
	tests := []struct {
		spec    string
		version int
		err     string // "" : found
		missing bool   // the error is an ErrNotFound
	}{
		{"churn", 2, "", false},
		{"churn@Production", 2, "", false},
		{"churn@staging", 4, "", false}, // the latest in the stage
		{"churn@1", 1, "", false},
		{"churn@v3", 3, "", false},
		{"churn@champion", 3, "", false},
		{"churn@9", 0, `model churn has no version "9"`, true},
		{"churn@None", 0, `model churn has no version "None"`, true},
		{"churn@nobody", 0, `model churn has no version "nobody"`, true},
		{"other", 0, `no model "other" under ` + filepath.Join(dir, "models") + ` (models: churn)`, true},
		{"@2", 0, `"@2": want MODEL[@VERSION|@STAGE|@ALIAS]`, true},
		{"bad", 0, `models/bad/v1.yaml:1:1: unknown key "nonsense"`, false},
	}
	for _, tt := range tests {
		v, err := Resolve(dir, tt.spec)
		if tt.err == "" {
			if err != nil || v.Version != tt.version {
				t.Errorf("Resolve(%q) = %v, %v; want version %d", tt.spec, v, err, tt.version)
			}
			continue
		}
		var perr *diag.Error
		switch {
		case err == nil || !strings.Contains(err.Error(), tt.err):
			t.Errorf("Resolve(%q) error = %v, want %q", tt.spec, err, tt.err)
		case errors.Is(err, ErrNotFound) != tt.missing:
			t.Errorf("Resolve(%q) error %v: ErrNotFound is %v, want %v", tt.spec, err, !tt.missing, tt.missing)
		case !tt.missing && !errors.As(err, &perr):
			t.Errorf("Resolve(%q) error %v: want the file's *diag.Error", tt.spec, err)
		}
	}
}
