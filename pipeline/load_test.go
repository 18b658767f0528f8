package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad_RefusesMlcdYAMLLinkedOutside(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "environ")
	if err := os.WriteFile(outside, []byte("GITHUB_TOKEN: ghp_leaked\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, FileName)); err != nil {
		t.Fatal(err)
	}
	p, err := Load(dir)
	if err == nil || strings.Contains(err.Error(), "ghp_leaked") || !strings.Contains(err.Error(), "escapes") {
		t.Fatalf("Load of an mlcd.yaml linked outside its folder: %+v, %v", p, err)
	}
}
