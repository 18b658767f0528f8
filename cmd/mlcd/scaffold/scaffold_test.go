package scaffold

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
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
