package controller

import (
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
