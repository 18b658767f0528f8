package s3test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Another process takes versitygw's port between the pick and its start:
// versitygw cannot listen, and the port accepts connections all the
// same. Start tells the two apart and tries another port. Here the first
// pick is a port this test holds.
func TestStart_AgainWhenThePortWasTaken(t *testing.T) {
	if _, err := exec.LookPath(Binary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(ErrNotInstalled)
		}
		t.Skip(ErrNotInstalled)
	}
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	picks := 0
	pickPort = func() (string, error) {
		picks++
		if picks == 1 {
			return held.Addr().String(), nil
		}
		return freePort()
	}
	t.Cleanup(func() { pickPort = freePort })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if picks < 2 || s.Endpoint == "http://"+held.Addr().String() {
		t.Fatalf("the server is %s after %d picks, on the port another process held", s.Endpoint, picks)
	}
	if err := s.CreateBucket(ctx, "after-a-taken-port"); err != nil {
		t.Fatal(err)
	}
}

// The process that took the port is another test package's versitygw: it
// answers S3 requests too, and Start must not take it for its own server.
func TestStart_AgainWhenAnotherServerTookThePort(t *testing.T) {
	if _, err := exec.LookPath(Binary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(ErrNotInstalled)
		}
		t.Skip(ErrNotInstalled)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	other, err := Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	picks := 0
	pickPort = func() (string, error) {
		picks++
		if picks == 1 {
			return strings.TrimPrefix(other.Endpoint, "http://"), nil
		}
		return freePort()
	}
	t.Cleanup(func() { pickPort = freePort })
	s, err := Start(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if picks < 2 || s.Endpoint == other.Endpoint {
		t.Fatalf("the server is %s after %d picks, on the port of another versitygw", s.Endpoint, picks)
	}
	if err := s.CreateBucket(ctx, "own-server"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Root, "own-server")); err != nil {
		t.Errorf("the bucket is not in the server's own folder: %v", err)
	}
}
