package watcher

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLocal_Run_RenamedFolder: a folder moved inside the tree (git mv) is
// watched under its new name, its subfolders too, and the old name is gone.
func TestLocal_Run_RenamedFolder(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mkdirs(t, root, "src/a/b")
	write(t, root, "src/a/b/old.py")
	events := startLocal(t, LocalConfig{Root: root, Debounce: batchDebounce})
	if err := os.Rename(filepath.Join(root, "src", "a"), filepath.Join(root, "src", "c")); err != nil {
		t.Fatal(err)
	}
	ev := next(t, events)
	if diff := cmp.Diff([]string{"src/a", "src/c/b/old.py"}, ev.Paths); diff != "" {
		t.Errorf("paths of the move (-want +got):\n%s", diff)
	}
	write(t, root, "src/c/x.py")
	write(t, root, "src/c/b/y.py")
	ev = next(t, events)
	if diff := cmp.Diff([]string{"src/c/b/y.py", "src/c/x.py"}, ev.Paths); diff != "" {
		t.Errorf("paths after the move (-want +got):\n%s", diff)
	}
}
