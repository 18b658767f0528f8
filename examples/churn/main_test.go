package churn_test

import (
	"os"
	"testing"
)

// TestMain removes the mlcd binary the tests built once (about 60 MB)
// when they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}
