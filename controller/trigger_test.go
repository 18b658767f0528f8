package controller

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/watcher"
)

// watching starts Watch of a controller listening on a free loopback
// address and waits for its first run; it returns the address and the
// remote.
func watching(t *testing.T, secret string) (listen, bare string) {
	t.Helper()
	bare, _ = newRemote(t)
	var listening func() string
	c := newController(t, bare, func(cfg *Config) {
		cfg.Interval = time.Hour // only the first poll and what the test asks
		listening = listenOnAnyPort(t, cfg)
		cfg.WebhookSecret = secret
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	listen = listening()
	waitFor(t, func() bool { return countRecords(t, bare) == 1 })
	return listen, bare
}

// postRuns sends POST /runs with headers from loopback and returns the
// status and body.
func postRuns(t *testing.T, listen, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+listen+"/runs", strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// TestController_RunRequestIsOffWithoutASecretEvenFromLoopback: behind a
// reverse proxy every request comes from loopback, so loopback proves
// nothing. Without a webhook secret POST /runs starts no run and says how
// to turn it on.
func TestController_RunRequestIsOffWithoutASecretEvenFromLoopback(t *testing.T) {
	t.Parallel()
	listen, bare := watching(t, "")
	code, body := postRuns(t, listen, "", map[string]string{"X-Forwarded-For": "203.0.113.9"})
	if code != http.StatusForbidden || !strings.Contains(body, watcher.SecretEnv) {
		t.Errorf("POST /runs without a secret configured: %d %s; want 403 naming %s", code, body, watcher.SecretEnv)
	}
	// The poll interval is an hour: a run now could only come from the request.
	time.Sleep(300 * time.Millisecond)
	if n := countRecords(t, bare); n != 1 {
		t.Errorf("records = %d after a refused run request, want 1", n)
	}
}

// TestController_RunRequestTakesTheWebhookSignature: with a secret, an
// unsigned or wrongly signed request from loopback is refused, and one
// signed as GitHub signs a webhook delivery starts a run.
func TestController_RunRequestTakesTheWebhookSignature(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	listen, bare := watching(t, secret)
	sign := func(key, body string) string {
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(body))
		return "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	body := `{"reason":"nightly"}`
	for name, headers := range map[string]map[string]string{
		"unsigned":                  nil,
		"signed with another":       {"X-Hub-Signature-256": sign("other", body)},
		"signature of another body": {"X-Hub-Signature-256": sign(secret, "{}")},
	} {
		if code, got := postRuns(t, listen, body, headers); code != http.StatusUnauthorized {
			t.Errorf("%s run request: %d %s, want 401", name, code, got)
		}
	}
	if code, got := postRuns(t, listen, body, map[string]string{"X-Hub-Signature-256": sign(secret, body)}); code != http.StatusAccepted {
		t.Fatalf("signed run request: %d %s, want 202", code, got)
	}
	waitFor(t, func() bool { return countRecords(t, bare) == 2 })
	if n := countRecords(t, bare); n != 2 {
		t.Errorf("records = %d after one accepted run request, want 2", n)
	}
}
