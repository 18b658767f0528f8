package gitstore

import (
	"os"
	"testing"
)

var fixtureDirs []string

// mkdirTemp makes a folder that lives until the test binary exits.
func mkdirTemp(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err == nil {
		fixtureDirs = append(fixtureDirs, dir)
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range fixtureDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
