package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes the mlcd binary the tests built once (about 60 MB)
// when they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		_ = os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}
