package gitstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

func TestSwitchWorkTree(t *testing.T) {
	t.Parallel()
	bare := gittest.NewBare(t)
	c := gittest.Person(t, bare)
	c.Write("a.txt", "one\n")
	first := c.Commit("one")
	c.Write("a.txt", "two\n")
	second := c.Commit("two")
	c.Push()
	ctx := context.Background()

	other := gittest.Person(t, bare)
	if err := SwitchWorkTree(ctx, other.Dir, second); err != nil || other.Head() != second {
		t.Fatalf("same commit: %v, head %.12s", err, other.Head())
	}
	if err := SwitchWorkTree(ctx, other.Dir, first); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(other.Dir, "a.txt")); other.Head() != first || string(data) != "one\n" {
		t.Errorf("after the switch: head %.12s, a.txt %q", other.Head(), data)
	}
	if err := os.WriteFile(filepath.Join(other.Dir, "new.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := SwitchWorkTree(ctx, other.Dir, second)
	if !errors.Is(err, ErrDirtyTree) || other.Head() != first {
		t.Errorf("dirty tree: %v, head %.12s; want ErrDirtyTree and no move", err, other.Head())
	}
	// changes under the excluded paths (mlcd's own files) do not count
	if err := SwitchWorkTree(ctx, other.Dir, second, "new.txt"); err != nil || other.Head() != second {
		t.Errorf("excluded change: %v, head %.12s", err, other.Head())
	}
	if err := SwitchWorkTree(ctx, other.Dir, "0123456789012345678901234567890123456789", "new.txt"); err == nil {
		t.Errorf("no error for a commit that exists nowhere")
	}
	if err := SwitchWorkTree(ctx, t.TempDir(), first); !errors.Is(err, ErrNotFound) {
		t.Errorf("outside a checkout: %v, want ErrNotFound", err)
	}
}
