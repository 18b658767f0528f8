package watcher

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// wait is how long a test waits for something that should happen at once:
// generous, so that a loaded machine does not fail it.
const wait = 10 * time.Second

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// startSource runs src in the background until the test ends, and fails the
// test if it returns an error.
func startSource(t *testing.T, run func(context.Context, chan<- Event) error) <-chan Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Event)
	done := make(chan error, 1)
	go func() { done <- run(ctx, out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v, want nil after cancel", err)
			}
		case <-time.After(wait):
			t.Errorf("Run did not return within %s of cancel", wait)
		}
	})
	return out
}

// next returns the next event, failing the test after wait.
func next(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(wait):
		t.Fatalf("no event within %s", wait)
		return Event{}
	}
}

func newTestPoller(t *testing.T, cfg PollerConfig) *Poller {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	p, err := NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPoller_Run_EmitsOncePerNewCommit(t *testing.T) {
	t.Parallel()
	remote := newTestRemote(t)
	seed := remote.git(remote.work, "rev-parse", "HEAD")
	p := newTestPoller(t, PollerConfig{Head: remote.head, Branch: "main", Interval: 20 * time.Millisecond, LastSeen: seed})
	events := startSource(t, p.Run)

	// Nothing changed: the poller polls several times and says nothing.
	waitForPolls(t, remote, 5)
	select {
	case ev := <-events:
		t.Fatalf("event %+v while the head stayed at the seed", ev)
	default:
	}

	prev := seed
	for range 3 {
		commit := remote.push()
		ev := next(t, events)
		want := Event{Kind: KindPush, Branch: "main", Commit: commit, Previous: prev}
		if diff := cmp.Diff(want, ev, ignoreTime); diff != "" {
			t.Fatalf("event (-want +got):\n%s", diff)
		}
		prev = commit
		// The same head polled again is not a new event.
		waitForPolls(t, remote, remote.polls.Load()+3)
		select {
		case ev := <-events:
			t.Fatalf("second event %+v for one commit", ev)
		default:
		}
	}
}

var ignoreTime = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Time" }, cmp.Ignore())

func waitForPolls(t *testing.T, r *testRemote, n int64) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for r.polls.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d polls within %s, want %d", r.polls.Load(), wait, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPoller_Run_FirstPollWithoutSeedReportsHead(t *testing.T) {
	t.Parallel()
	remote := newTestRemote(t)
	p := newTestPoller(t, PollerConfig{Head: remote.head, Branch: "main", Interval: time.Hour})
	ev := next(t, startSource(t, p.Run))
	if want := remote.git(remote.work, "rev-parse", "HEAD"); ev.Commit != want || ev.Previous != "" {
		t.Errorf("first event commit %q previous %q, want %q and \"\"", ev.Commit, ev.Previous, want)
	}
}

func TestPoller_Trigger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		trigger  func(p *Poller)
		wantKind Kind
		wantID   string
	}{
		{"manual", func(p *Poller) { p.Trigger() }, KindManual, ""},
		{"webhook", func(p *Poller) { p.TriggerWebhook("72d3162e-cc78-11e3-81ab-4c9367dc0958") }, KindWebhook, "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
		{"webhook then manual keeps the delivery id", func(p *Poller) {
			p.TriggerWebhook("d1")
			p.Trigger()
		}, KindWebhook, "d1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			remote := newTestRemote(t)
			seed := remote.git(remote.work, "rev-parse", "HEAD")
			// An hour between polls: only the trigger can find the new commit.
			p := newTestPoller(t, PollerConfig{Head: remote.head, Branch: "main", Interval: time.Hour, LastSeen: seed})
			events := startSource(t, p.Run)
			waitForPolls(t, remote, 1)
			commit := remote.push()
			tt.trigger(p)
			ev := next(t, events)
			want := Event{Kind: tt.wantKind, Branch: "main", Commit: commit, Previous: seed, DeliveryID: tt.wantID}
			if diff := cmp.Diff(want, ev, ignoreTime); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPoller_Run_BacksOffAndRecovers(t *testing.T) {
	t.Parallel()
	remote := newTestRemote(t)
	// The remote is missing for the first five polls: ls-remote fails.
	hidden := remote.bare + ".away"
	if err := os.Rename(remote.bare, hidden); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		waits []time.Duration
		errs  []error
	)
	onError := func(err error, retryIn time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		waits, errs = append(waits, retryIn), append(errs, err)
		if len(waits) == 5 {
			if err := os.Rename(hidden, remote.bare); err != nil {
				t.Error(err)
			}
		}
	}
	p := newTestPoller(t, PollerConfig{Head: remote.head, Branch: "main",
		Interval: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, OnError: onError})
	ev := next(t, startSource(t, p.Run))

	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits after failures (-want +got):\n%s", diff)
	}
	for _, err := range errs {
		if err == nil || errors.Is(err, context.Canceled) {
			t.Errorf("reported error %v, want the ls-remote failure", err)
		}
	}
	if want := remote.git(remote.work, "rev-parse", "HEAD"); ev.Commit != want {
		t.Errorf("after recovery got commit %q, want %q", ev.Commit, want)
	}
}

func TestNewPoller(t *testing.T) {
	t.Parallel()
	head := func(context.Context) (string, error) { return "", nil }
	tests := []struct {
		name    string
		cfg     PollerConfig
		wantErr bool
	}{
		{"defaults", PollerConfig{Head: head}, false},
		{"no head func", PollerConfig{}, true},
		{"negative interval", PollerConfig{Head: head, Interval: -time.Second}, true},
		{"negative backoff", PollerConfig{Head: head, MaxBackoff: -time.Second}, true},
		{"negative timeout", PollerConfig{Head: head, Timeout: -time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPoller(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Errorf("NewPoller error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestPoller_Backoff(t *testing.T) {
	t.Parallel()
	p := newTestPoller(t, PollerConfig{Head: func(context.Context) (string, error) { return "", nil }, Interval: 30 * time.Second})
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	var got []time.Duration
	for n := 1; n <= 6; n++ {
		got = append(got, p.backoff(n))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
}

// TestPoller_Run_TimesOutAHungPoll: a remote that never answers costs one
// poll timeout, reported as an error, and the watch goes on.
func TestPoller_Run_TimesOutAHungPoll(t *testing.T) {
	t.Parallel()
	remote := newTestRemote(t)
	var calls atomic.Int64
	head := func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			<-ctx.Done() // hangs until the poller gives up
			return "", ctx.Err()
		}
		return remote.head(ctx)
	}
	errs := make(chan error, 10)
	p := newTestPoller(t, PollerConfig{Head: head, Branch: "main", Interval: 10 * time.Millisecond,
		Timeout: 50 * time.Millisecond, OnError: func(err error, _ time.Duration) { errs <- err }})
	ev := next(t, startSource(t, p.Run))
	if want := remote.git(remote.work, "rev-parse", "HEAD"); ev.Commit != want {
		t.Errorf("commit %q after the hung poll, want %q", ev.Commit, want)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("hung poll reported %v, want a deadline error", err)
		}
	default:
		t.Error("the hung poll was not reported")
	}
}

// TestPoller_RetryReportsAnUnmovedHeadAgain: after Retry the next poll
// reports the head again even though it has not moved, with the same
// Previous, because the event's receiver could not act on it.
func TestPoller_RetryReportsAnUnmovedHeadAgain(t *testing.T) {
	t.Parallel()
	p := newTestPoller(t, PollerConfig{
		Head:     func(context.Context) (string, error) { return "c2", nil },
		LastSeen: "c1",
		Interval: 10 * time.Millisecond,
	})
	events := startSource(t, p.Run)
	first := next(t, events)
	if first.Commit != "c2" || first.Previous != "c1" {
		t.Fatalf("first event = %+v, want c2 after c1", first)
	}
	p.Retry()
	again := next(t, events)
	if again.Commit != "c2" || again.Previous != "c1" {
		t.Errorf("event after Retry = %+v, want c2 after c1 again", again)
	}
}
