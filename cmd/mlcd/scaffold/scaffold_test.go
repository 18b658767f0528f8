package scaffold

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

func TestFiles(t *testing.T) {
	fl, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range fl {
		paths = append(paths, f.Path)
		if len(f.Data) == 0 {
			t.Errorf("%s is empty", f.Path)
		}
	}
	want := []string{".github/workflows/mlcd.yml", ".gitignore", "mlcd.yaml", "src/prepare.py", "src/train.py"}
	if !slices.Equal(paths, want) {
		t.Errorf("Files() = %v, want %v", paths, want)
	}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name     string
		existing string // a file already in the folder, "" for none
		force    bool
		wantErr  error
	}{
		{name: "empty folder"},
		{name: "an existing file", existing: "src/train.py", wantErr: ErrExists},
		{name: "an existing file with force", existing: "src/train.py", force: true},
		{name: "an unrelated file", existing: "README.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			const mine = "mine\n"
			if tt.existing != "" {
				p := filepath.Join(dir, tt.existing)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(mine), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			written, err := Write(context.Background(), dir, tt.force)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Write: %v, want %v", err, tt.wantErr)
			}
			_, statErr := os.Stat(filepath.Join(dir, "mlcd.yaml"))
			if tt.wantErr != nil {
				if len(written) != 0 || statErr == nil {
					t.Errorf("refused, yet wrote %v (mlcd.yaml: %v)", written, statErr)
				}
				if got, _ := os.ReadFile(filepath.Join(dir, tt.existing)); string(got) != mine {
					t.Errorf("%s changed to %q", tt.existing, got)
				}
				return
			}
			if len(written) != 5 || statErr != nil {
				t.Errorf("wrote %v (mlcd.yaml: %v), want all 5 files", written, statErr)
			}
		})
	}
}

// The workflow keeps the artifact store in the object store that MLCD_STORE
// names when it is set, and falls back to actions/cache only without it:
// every cache step is conditional on the fallback, and every step that runs
// mlcd has the object store's credentials.
func TestWorkflow_ObjectStoreFirst(t *testing.T) {
	data, err := files.ReadFile("files/github/workflows/mlcd.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Env  map[string]string `yaml:"env"`
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				If   string            `yaml:"if"`
				Run  string            `yaml:"run"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	const fallback = "env.MLCD_STORE_IS_CACHE == 'true'"
	if got := wf.Env["MLCD_STORE"]; !strings.HasPrefix(got, "${{ vars.MLCD_STORE || secrets.MLCD_STORE || ") {
		t.Errorf("MLCD_STORE: %q does not prefer the repository's variable and secret", got)
	}
	if got := wf.Env["MLCD_STORE_IS_CACHE"]; got != "${{ !vars.MLCD_STORE && !secrets.MLCD_STORE }}" {
		t.Errorf("MLCD_STORE_IS_CACHE: %q", got)
	}
	caches, mlcdSteps := 0, 0
	for name, job := range wf.Jobs {
		for _, s := range job.Steps {
			if strings.HasPrefix(s.Uses, "actions/cache") {
				caches++
				if !strings.Contains(s.If, fallback) {
					t.Errorf("job %s: %s runs with an object store too (if: %q)", name, s.Uses, s.If)
				}
			}
			if strings.Contains(s.Run, "mlcd ") && !strings.Contains(s.Run, "go install") {
				mlcdSteps++
				for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
					if s.Env[v] != "${{ secrets."+v+" }}" {
						t.Errorf("job %s: the step %q lacks %s", name, s.Run, v)
					}
				}
			}
		}
	}
	if caches != 3 || mlcdSteps != 4 {
		t.Errorf("%d cache steps and %d mlcd steps, want 3 and 4", caches, mlcdSteps)
	}
	if !strings.Contains(string(data), "only a fallback") {
		t.Error("the workflow does not say why actions/cache is only a fallback")
	}
}
