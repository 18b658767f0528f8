package watcher

import (
	"bytes"
	stdcmp "cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testSecret = []byte("It's a Secret to Everybody")

// sign returns the X-Hub-Signature-256 GitHub sends for body.
func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// delivery is one request as GitHub would send it.
type delivery struct {
	method      string // POST when ""
	event       string
	id          string
	contentType string // application/json when ""
	body        []byte
	signature   string // sign(testSecret, body) when "", none when "-"
}

func (d delivery) send(t testing.TB, serverURL string) (int, string) {
	t.Helper()
	method := stdcmp.Or(d.method, http.MethodPost)
	req, err := http.NewRequest(method, serverURL+WebhookPath, bytes.NewReader(d.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", stdcmp.Or(d.contentType, "application/json"))
	req.Header.Set("User-Agent", "GitHub-Hookshot/044aadd")
	req.Header.Set("X-GitHub-Event", d.event)
	if d.id != "" {
		req.Header.Set("X-GitHub-Delivery", d.id)
	}
	switch d.signature {
	case "":
		req.Header.Set("X-Hub-Signature-256", sign(testSecret, d.body))
	case "-":
	default:
		req.Header.Set("X-Hub-Signature-256", d.signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(msg))
}

// pushRecorder is an OnPush that remembers what it was called with.
type pushRecorder struct {
	mu     sync.Mutex
	pushes []Push
}

func (r *pushRecorder) OnPush(p Push) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes = append(r.pushes, p)
}

func (r *pushRecorder) got() []Push {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Push(nil), r.pushes...)
}

func newTestWebhook(t *testing.T, cfg WebhookConfig) string {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = testSecret
	}
	cfg.Branch = stdcmp.Or(cfg.Branch, "main")
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	h, err := NewWebhook(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(WebhookPath, h)
	srv := httptest.NewServer(mux) // on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestWebhook_ServeHTTP(t *testing.T) {
	t.Parallel()
	push := readFixture(t, "push.json")
	withRef := func(ref string) []byte {
		return bytes.Replace(push, []byte(`"refs/heads/main"`), []byte(`"`+ref+`"`), 1)
	}
	deleted := bytes.Replace(bytes.Replace(push, []byte(`"deleted": false`), []byte(`"deleted": true`), 1),
		[]byte(`"59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5",
  "created"`), []byte(`"0000000000000000000000000000000000000000",
  "created"`), 1)
	form := []byte("payload=" + url.QueryEscape(string(push)))
	mainPush := Push{DeliveryID: "d-1", Repository: "acme/churn", Ref: "refs/heads/main", Branch: "main",
		Before: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", After: "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5"}

	tests := []struct {
		name       string
		cfg        WebhookConfig
		deliveries []delivery
		wantCodes  []int
		wantPushes []Push
	}{
		{name: "push to the tracked branch", deliveries: []delivery{{event: "push", id: "d-1", body: push}},
			wantCodes: []int{http.StatusAccepted}, wantPushes: []Push{mainPush}},
		{name: "form-encoded push", deliveries: []delivery{{event: "push", id: "d-1", body: form, contentType: "application/x-www-form-urlencoded"}},
			wantCodes: []int{http.StatusAccepted}, wantPushes: []Push{mainPush}},
		{name: "bad signature", deliveries: []delivery{{event: "push", id: "d-1", body: push, signature: sign([]byte("guess"), push)}},
			wantCodes: []int{http.StatusUnauthorized}},
		{name: "signature of another body", deliveries: []delivery{{event: "push", id: "d-1", body: push, signature: sign(testSecret, withRef("refs/heads/dev"))}},
			wantCodes: []int{http.StatusUnauthorized}},
		{name: "malformed signature", deliveries: []delivery{{event: "push", id: "d-1", body: push, signature: "sha256=zz"}},
			wantCodes: []int{http.StatusUnauthorized}},
		{name: "sha1 signature only", deliveries: []delivery{{event: "push", id: "d-1", body: push, signature: "sha1=0123"}},
			wantCodes: []int{http.StatusUnauthorized}},
		{name: "missing signature", deliveries: []delivery{{event: "push", id: "d-1", body: push, signature: "-"}},
			wantCodes: []int{http.StatusUnauthorized}},
		{name: "replayed delivery", deliveries: []delivery{{event: "push", id: "d-1", body: push}, {event: "push", id: "d-1", body: push}},
			wantCodes: []int{http.StatusAccepted, http.StatusOK}, wantPushes: []Push{mainPush}},
		{name: "two deliveries", deliveries: []delivery{{event: "push", id: "d-1", body: push}, {event: "push", id: "d-2", body: push}},
			wantCodes:  []int{http.StatusAccepted, http.StatusAccepted},
			wantPushes: []Push{mainPush, {DeliveryID: "d-2", Repository: mainPush.Repository, Ref: mainPush.Ref, Branch: "main", Before: mainPush.Before, After: mainPush.After}}},
		{name: "other branch", deliveries: []delivery{{event: "push", id: "d-1", body: withRef("refs/heads/dev")}},
			wantCodes: []int{http.StatusAccepted}},
		{name: "tag", deliveries: []delivery{{event: "push", id: "d-1", body: withRef("refs/tags/main")}},
			wantCodes: []int{http.StatusAccepted}},
		{name: "branch deleted", deliveries: []delivery{{event: "push", id: "d-1", body: deleted}},
			wantCodes: []int{http.StatusAccepted}},
		{name: "other repository", cfg: WebhookConfig{Repository: "acme/fraud"}, deliveries: []delivery{{event: "push", id: "d-1", body: push}},
			wantCodes: []int{http.StatusAccepted}},
		{name: "repository compared without case", cfg: WebhookConfig{Repository: "ACME/Churn"}, deliveries: []delivery{{event: "push", id: "d-1", body: push}},
			wantCodes: []int{http.StatusAccepted}, wantPushes: []Push{mainPush}},
		{name: "ping", deliveries: []delivery{{event: "ping", id: "d-1", body: readFixture(t, "ping.json")}},
			wantCodes: []int{http.StatusOK}},
		{name: "unsigned ping", deliveries: []delivery{{event: "ping", id: "d-1", body: readFixture(t, "ping.json"), signature: "-"}},
			wantCodes: []int{http.StatusUnauthorized}},
		{name: "other event", deliveries: []delivery{{event: "issues", id: "d-1", body: []byte(`{}`)}},
			wantCodes: []int{http.StatusAccepted}},
		{name: "GET", deliveries: []delivery{{method: http.MethodGet, event: "push", id: "d-1"}},
			wantCodes: []int{http.StatusMethodNotAllowed}},
		{name: "no delivery id", deliveries: []delivery{{event: "push", body: push}},
			wantCodes: []int{http.StatusBadRequest}},
		{name: "not JSON", deliveries: []delivery{{event: "push", id: "d-1", body: []byte(`{"ref": `)}},
			wantCodes: []int{http.StatusBadRequest}},
		{name: "body over the limit", cfg: WebhookConfig{MaxBody: 100}, deliveries: []delivery{{event: "push", id: "d-1", body: push}},
			wantCodes: []int{http.StatusRequestEntityTooLarge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &pushRecorder{}
			tt.cfg.OnPush = rec.OnPush
			srv := newTestWebhook(t, tt.cfg)
			var codes []int
			for _, d := range tt.deliveries {
				code, _ := d.send(t, srv)
				codes = append(codes, code)
			}
			if diff := cmp.Diff(tt.wantCodes, codes); diff != "" {
				t.Errorf("status codes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantPushes, rec.got()); diff != "" {
				t.Errorf("pushes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWebhook_TriggersPoll wires the webhook to a poller of a real git
// remote that would otherwise poll once an hour: a signed push delivery
// makes the new commit an event at once, a bad one triggers nothing.
func TestWebhook_TriggersPoll(t *testing.T) {
	t.Parallel()
	remote := newTestRemote(t)
	seed := remote.git(remote.work, "rev-parse", "HEAD")
	p := newTestPoller(t, PollerConfig{Head: remote.head, Branch: "main", Interval: time.Hour, LastSeen: seed})
	events := startSource(t, p.Run)
	srv := newTestWebhook(t, WebhookConfig{OnPush: func(push Push) { p.TriggerWebhook(push.DeliveryID) }})
	waitForPolls(t, remote, 1)

	commit := remote.push()
	body := bytes.Replace(readFixture(t, "push.json"), []byte("59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5"), []byte(commit), -1)

	// A forged delivery: 401, and the poller is not asked.
	if code, msg := (delivery{event: "push", id: "forged", body: body, signature: sign([]byte("guess"), body)}).send(t, srv); code != http.StatusUnauthorized {
		t.Fatalf("forged delivery: %d %s, want 401", code, msg)
	}
	if code, msg := (delivery{event: "push", id: "unsigned", body: body, signature: "-"}).send(t, srv); code != http.StatusUnauthorized {
		t.Fatalf("unsigned delivery: %d %s, want 401", code, msg)
	}
	if n := remote.polls.Load(); n != 1 {
		t.Fatalf("%d polls after bad deliveries, want still 1", n)
	}

	if code, msg := (delivery{event: "push", id: "good", body: body}).send(t, srv); code != http.StatusAccepted {
		t.Fatalf("good delivery: %d %s, want 202", code, msg)
	}
	ev := next(t, events)
	want := Event{Kind: KindWebhook, Branch: "main", Commit: commit, Previous: seed, DeliveryID: "good"}
	if diff := cmp.Diff(want, ev, ignoreTime); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	// The same delivery again is answered but asks for no poll. To see that,
	// push again and ask for a poll by hand: had the replay asked too, its
	// poll would be either an extra one or merged into ours (then the event
	// would be the webhook's).
	polls := remote.polls.Load()
	if code, _ := (delivery{event: "push", id: "good", body: body}).send(t, srv); code != http.StatusOK {
		t.Errorf("replayed delivery: %d, want 200", code)
	}
	commit2 := remote.push()
	p.Trigger()
	ev = next(t, events)
	want = Event{Kind: KindManual, Branch: "main", Commit: commit2, Previous: commit}
	if diff := cmp.Diff(want, ev, ignoreTime); diff != "" {
		t.Errorf("event after a replay (-want +got):\n%s", diff)
	}
	if n := remote.polls.Load(); n != polls+1 {
		t.Errorf("%d polls since the replay, want 1 (the manual one)", n-polls)
	}
}

func TestNewWebhook(t *testing.T) {
	t.Parallel()
	on := func(Push) {}
	tests := []struct {
		name    string
		cfg     WebhookConfig
		wantErr bool
	}{
		{"complete", WebhookConfig{Secret: testSecret, Branch: "main", OnPush: on}, false},
		{"no secret", WebhookConfig{Branch: "main", OnPush: on}, true},
		{"no branch", WebhookConfig{Secret: testSecret, OnPush: on}, true},
		{"no OnPush", WebhookConfig{Secret: testSecret, Branch: "main"}, true},
		{"negative limit", WebhookConfig{Secret: testSecret, Branch: "main", OnPush: on, MaxBody: -1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWebhook(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Errorf("NewWebhook error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestDeliveries_Add(t *testing.T) {
	t.Parallel()
	d := newDeliveries(2)
	steps := []struct {
		id   string
		want bool
	}{
		{"a", true}, {"b", true}, {"a", false}, // a is the most recent again
		{"c", true},               // evicts b, the least recent
		{"a", false}, {"b", true}, // b was forgotten; now c is evicted
		{"c", true},
	}
	for i, s := range steps {
		if got := d.add(s.id); got != s.want {
			t.Errorf("step %d: add(%q) = %v, want %v", i, s.id, got, s.want)
		}
	}
}
