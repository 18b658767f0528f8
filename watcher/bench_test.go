package watcher

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// The push-to-event benchmarks run the production path: a person pushes to
// a repository served by git http-backend on 127.0.0.1 (basic auth); the
// poller asks it for the branch head with gitstore's RemoteHead (one GET of
// info/refs). The timer runs from the end of `git push` to the event. Run
// them with a fixed count: go test -run '^$' -bench PushToEvent -benchtime 20x

// pushRig is a served remote, a person's clone of it and a poller on it.
type pushRig struct {
	person *gittest.Clone
	poller *Poller
	events <-chan Event
	n      int
}

func newPushRig(b *testing.B, interval time.Duration) *pushRig {
	b.Helper()
	root := b.TempDir()
	gittest.NewBareIn(b, root, "repo.git")
	srv := gittest.Serve(b, root, gittest.ServeOptions{User: "ada", Password: "pw"})
	person := gittest.Person(b, srv.AuthURL("repo.git"))
	person.Write("data.txt", "0\n")
	seed := person.Commit("first")
	person.Push()

	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	repo, err := gitstore.Open(ctx, filepath.Join(b.TempDir(), "clone"),
		gitstore.Options{URL: srv.AuthURL("repo.git"), Branch: "main", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	p, err := NewPoller(PollerConfig{Head: repo.RemoteHead, Branch: "main", Interval: interval,
		LastSeen: seed, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	events := make(chan Event)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, events) }()
	b.Cleanup(func() { cancel(); <-done })
	return &pushRig{person: person, poller: p, events: events}
}

// push commits and pushes a change and returns the new head.
func (r *pushRig) push() string {
	r.n++
	r.person.Write("data.txt", fmt.Sprintf("%d\n", r.n))
	commit := r.person.Commit(fmt.Sprintf("change %d", r.n))
	r.person.Push()
	return commit
}

// await waits for the event of commit and fails after wait.
func (r *pushRig) await(b *testing.B, commit string) {
	b.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-r.events:
			if ev.Commit == commit {
				return
			}
		case <-timeout:
			b.Fatalf("no event for %s within %s", commit, wait)
		}
	}
}

// reportLatencies adds the median and the worst latency to the output.
func reportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/1e6, "max-ms")
}

func BenchmarkPushToEvent(b *testing.B) {
	b.Run("webhook", func(b *testing.B) {
		rig := newPushRig(b, time.Hour) // only the webhook makes it poll
		hook, err := NewWebhook(WebhookConfig{Secret: testSecret, Branch: "main", Logger: quiet,
			OnPush: func(p Push) { rig.poller.TriggerWebhook(p.DeliveryID) }})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(hook)
		defer srv.Close()
		fixture := readFixture(b, "push.json")
		var lat []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			commit := rig.push()
			body := bytes.ReplaceAll(fixture, []byte("59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5"), []byte(commit))
			d := delivery{event: "push", id: fmt.Sprintf("bench-%d", i), body: body}
			b.StartTimer()
			start := time.Now()
			if code, msg := d.send(b, srv.URL); code != http.StatusAccepted {
				b.Fatalf("delivery: %d %s", code, msg)
			}
			rig.await(b, commit)
			lat = append(lat, time.Since(start))
		}
		reportLatencies(b, lat)
	})
	b.Run("poll-1s", func(b *testing.B) {
		rig := newPushRig(b, time.Second)
		var lat []time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			// Push at a random moment of the poll cycle, as a person would.
			time.Sleep(rand.N(time.Second))
			commit := rig.push()
			b.StartTimer()
			start := time.Now()
			rig.await(b, commit)
			lat = append(lat, time.Since(start))
		}
		reportLatencies(b, lat)
	})
}

// BenchmarkLocal_SaveToEvent times a saved file to its batch with the
// default debounce (so about 300 ms is the design, not overhead).
func BenchmarkLocal_SaveToEvent(b *testing.B) {
	root := b.TempDir()
	l, err := NewLocal(LocalConfig{Root: root, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	watching := make(chan struct{})
	l.watching = func() { close(watching) }
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan Event)
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, events) }()
	defer func() { cancel(); <-done }()
	<-watching
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := writeFile(filepath.Join(root, "train.py"), fmt.Sprintf("# %d\n", i)); err != nil {
			b.Fatal(err)
		}
		select {
		case <-events:
		case <-time.After(wait):
			b.Fatalf("no event within %s", wait)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatencies(b, lat)
}

// BenchmarkWebhook_ServeHTTP is the handler's own cost for a signed push
// (a 3 KB payload): read, verify, parse, dedupe.
func BenchmarkWebhook_ServeHTTP(b *testing.B) {
	hook, err := NewWebhook(WebhookConfig{Secret: testSecret, Branch: "main", Logger: quiet, OnPush: func(Push) {}})
	if err != nil {
		b.Fatal(err)
	}
	body := readFixture(b, "push.json")
	sig := sign(testSecret, body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "push")
		req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("d-%d", i))
		req.Header.Set("X-Hub-Signature-256", sig)
		rec := httptest.NewRecorder()
		hook.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func writeFile(name, content string) error {
	return os.WriteFile(name, []byte(content), 0o644)
}
