package forge

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/fakegithub"
)

const testToken = "ghp_testtoken0123456789abcdefSECRET"

// harness is a Client wired to a fake GitHub, with waits recorded instead
// of slept and every log line kept.
type harness struct {
	t      *testing.T
	gh     *fakegithub.Server
	client *Client
	logs   *syncBuffer
	mu     sync.Mutex
	waits  []time.Duration
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, logs: &syncBuffer{}}
	h.gh = fakegithub.Start(t, fakegithub.Options{Token: testToken})
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := New(Options{
		BaseURL: h.gh.URL(), Token: testToken, Owner: h.gh.Owner(), Repo: h.gh.Repo(),
		Logger: log, MaxWait: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	c.retry.sleep = func(ctx context.Context, d time.Duration) error {
		h.mu.Lock()
		h.waits = append(h.waits, d)
		h.mu.Unlock()
		return ctx.Err()
	}
	h.client = c
	t.Cleanup(h.assertTokenHidden)
	return h
}

// assertTokenHidden fails the test if the token reached a log line.
func (h *harness) assertTokenHidden() {
	if strings.Contains(h.logs.String(), testToken) {
		h.t.Errorf("the token appears in the log:\n%s", h.logs.String())
	}
}

func (h *harness) recordedWaits() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.waits...)
}

// calls lists the requests the fake received as "METHOD /path?query".
func (h *harness) calls() []string {
	var out []string
	for _, r := range h.gh.Requests() {
		line := r.Method + " " + r.Path
		if r.Query != "" {
			line += "?" + r.Query
		}
		out = append(out, line)
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func sha(c byte) string { return strings.Repeat(string(c), 40) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
