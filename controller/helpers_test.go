package controller

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// listenOnAnyPort makes the controller of cfg listen on port 0 and
// returns a function that waits for the address it got, which the
// controller logs ("listening", addr). A port picked by the test and
// released could be taken by another test before the controller
// listened on it. It replaces cfg.Logger.
func listenOnAnyPort(t *testing.T, cfg *Config) func() string {
	addrs := make(chan string, 1)
	cfg.Listen = "127.0.0.1:0"
	cfg.Logger = slog.New(listenLog{addrs})
	var addr string
	return func() string {
		t.Helper()
		if addr == "" {
			select {
			case addr = <-addrs:
			case <-time.After(60 * time.Second):
				t.Fatal("the controller did not say where it listens within 60s")
			}
		}
		return addr
	}
}

// listenLog is a slog.Handler that sends the addr of the "listening"
// record, and drops the rest.
type listenLog struct{ addrs chan<- string }

func (listenLog) Enabled(context.Context, slog.Level) bool { return true }

func (h listenLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "listening" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "addr" {
			return true
		}
		select {
		case h.addrs <- a.Value.String():
		default:
		}
		return false
	})
	return nil
}

func (h listenLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h listenLog) WithGroup(string) slog.Handler      { return h }
