package deploy

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

// Defaults of the body budget.
const (
	// DefaultBodyBudget bounds the scoring request bodies the gateway holds
	// at once: two of the largest bodies a model takes. A body is decoded
	// to several times its size, so this bounds the endpoint's memory.
	DefaultBodyBudget = 2 * scoring.DefaultMaxBodyBytes
	// DefaultBodyWait is how long a request waits for room in the budget
	// before it is answered 503.
	DefaultBodyWait = 2 * time.Second
)

// bodyBudget is a weighted semaphore over request body bytes: a request
// reserves its Content-Length (the largest body a model takes when it
// sends none) before it is read, and frees it when answered.
type bodyBudget struct {
	max, perRequest int64
	wait            time.Duration

	mu    sync.Mutex
	used  int64
	freed chan struct{} // closed (and replaced) whenever bytes are freed
}

func newBodyBudget(max int64, wait time.Duration) *bodyBudget {
	if max <= 0 {
		max = DefaultBodyBudget
	}
	if wait <= 0 {
		wait = DefaultBodyWait
	}
	return &bodyBudget{max: max, perRequest: scoring.DefaultMaxBodyBytes, wait: wait, freed: make(chan struct{})}
}

// size is what r reserves: its Content-Length, or the largest body when
// it sends none, never more than the whole budget (a lone large request
// still gets in).
func (b *bodyBudget) size(r *http.Request) int64 {
	n := r.ContentLength
	if n < 0 || n > b.perRequest {
		n = b.perRequest
	}
	return min(n, b.max)
}

// acquire reserves n bytes, waiting up to b.wait for requests in flight
// to free them; false when they did not.
func (b *bodyBudget) acquire(ctx context.Context, n int64) bool {
	timer := time.NewTimer(b.wait)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if b.used+n <= b.max {
			b.used += n
			b.mu.Unlock()
			return true
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

func (b *bodyBudget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}

// admit reserves r's body in the budget and returns the function that
// frees it, or answers 503 and returns nil. A request without a
// Content-Length is cut at the largest body.
func (b *bodyBudget) admit(w http.ResponseWriter, r *http.Request) (done func()) {
	n := b.size(r)
	if !b.acquire(r.Context(), n) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(b.wait/time.Second))))
		writeError(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE",
			"the endpoint holds as many request bodies as it takes at once ("+strconv.FormatInt(b.max>>20, 10)+" MiB); try again")
		return nil
	}
	if r.ContentLength < 0 {
		r.Body = http.MaxBytesReader(w, r.Body, n)
	}
	return func() { b.release(n) }
}
