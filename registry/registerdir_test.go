package registry

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RegisterDir numbers and writes versions in a working tree as Register
// does on a branch; a second run continues the numbering; a broken
// registry writes nothing.
func TestRegisterDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	vs, _, err := RegisterDir(dir, finishedRun("20261126T120000Z-aaaa", 1))
	if err != nil || len(vs) != 1 || vs[0].Version != 1 {
		t.Fatalf("first run: %v, %v; want churn-rf v1", vs, err)
	}
	vs, _, err = RegisterDir(dir, finishedRun("20261126T120100Z-bbbb", 2))
	if err != nil || len(vs) != 1 || vs[0].Version != 2 {
		t.Fatalf("second run: %v, %v; want churn-rf v2", vs, err)
	}
	// A task without its model file is a problem; the others register.
	run := finishedRun("20261126T120150Z-dddd", 4)
	run.Tasks[1].Outputs = run.Tasks[1].Outputs[:1]
	if vs, problems, err := RegisterDir(dir, run); err != nil || problems == nil || len(vs) != 0 {
		t.Errorf("a run without its model file: %v, %v, %v; want a problem and no version", vs, problems, err)
	}
	reg, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v := reg.Version("churn-rf", 2); v == nil || v.RunID != "20261126T120100Z-bbbb" || v.Stage != StageNone {
		t.Errorf("v2 as written: %+v", v)
	}

	broken := filepath.Join(dir, filepath.FromSlash(VersionPath("churn-rf", 1)))
	if err := os.WriteFile(broken, []byte("nonsense: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vs, _, err = RegisterDir(dir, finishedRun("20261126T120200Z-cccc", 3))
	if !errors.Is(err, ErrInvalidDir) || len(vs) != 0 || !strings.Contains(err.Error(), "the registry in "+dir+" is invalid: ") {
		t.Fatalf("broken registry: %v, %v; want ErrInvalidDir naming the folder", vs, err)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(VersionPath("churn-rf", 3)))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a version was written into a broken registry: %v", err)
	}
}
