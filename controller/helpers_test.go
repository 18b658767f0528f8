package controller

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlcd-dev/mlcd/store"
)

func writeFile(dir, name, content string) error {
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

func storeOpen(t *testing.T) (*store.Local, error) {
	return store.Open(filepath.Join(t.TempDir(), "store"))
}

// watch runs c.Watch until the test ends, and fails the test if Watch
// returns an error other than its cancellation.
func watch(t *testing.T, c *Controller) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
}
