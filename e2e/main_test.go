package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes the mlcd binary the tests built once (about 60 MB)
// when they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}
