package s3test

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// Main runs a test package's tests (m.Run) with one server for them all,
// set in *srv, in the environment of Env, and stops it afterwards. When
// versitygw is not installed *srv stays nil and Require skips the tests
// that need it, except under CI=true, where Main fails.
func Main(m *testing.M, srv **Server) int {
	dir, err := os.MkdirTemp("", "s3test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3test:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := Start(context.Background(), dir)
	switch {
	case err == ErrNotInstalled && os.Getenv("CI") != "true":
		return m.Run()
	case err != nil:
		fmt.Fprintln(os.Stderr, "s3test:", err)
		return 1
	}
	defer s.Close()
	for k, v := range s.Env() {
		os.Setenv(k, v)
	}
	*srv = s
	return m.Run()
}

// Require skips the test when srv is nil: versitygw is not installed (Main
// fails instead under CI=true).
func Require(t testing.TB, srv *Server) *Server {
	t.Helper()
	if srv == nil {
		t.Skip(ErrNotInstalled.Error())
	}
	return srv
}

// StartT starts a server for one test, puts its Env in the test's
// environment (so the test cannot be parallel) and stops it at the test's
// end. Without versitygw it skips the test, or fails it under CI=true.
func StartT(t testing.TB) *Server {
	t.Helper()
	s, err := Start(context.Background(), t.TempDir())
	switch {
	case err == ErrNotInstalled && os.Getenv("CI") != "true":
		t.Skip(err.Error())
	case err != nil:
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.Setenv(t)
	return s
}
