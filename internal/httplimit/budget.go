package httplimit

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Budget bounds the bytes of request bodies a server's handlers hold at
// once: a weighted semaphore over body bytes. A request reserves its
// Content-Length (perRequest when it sends none) before its body is read,
// and frees it when answered.
type Budget struct {
	max, perRequest int64
	wait            time.Duration

	mu    sync.Mutex
	used  int64
	freed chan struct{} // closed (and replaced) whenever bytes are freed
}

// NewBudget returns a budget of max bytes in which a request whose body
// has no Content-Length takes perRequest, and waits up to wait for room.
func NewBudget(max, perRequest int64, wait time.Duration) *Budget {
	return &Budget{max: max, perRequest: perRequest, wait: wait, freed: make(chan struct{})}
}

// Max is the budget's size in bytes.
func (b *Budget) Max() int64 { return b.max }

// RetryAfter is the Retry-After value (seconds) for a request turned away.
func (b *Budget) RetryAfter() string { return strconv.Itoa(max(1, int(b.wait/time.Second))) }

// Admit reserves r's body and returns the function that frees it, or nil
// when no room was found within the wait: the caller then answers 503 with
// RetryAfter, without reading the body. A body without Content-Length is
// cut at perRequest. A reservation is never more than the whole budget, so
// a lone large request still gets in.
func (b *Budget) Admit(w http.ResponseWriter, r *http.Request) (done func()) {
	n := r.ContentLength
	if n < 0 || n > b.perRequest {
		n = b.perRequest
	}
	n = min(n, b.max)
	if !b.acquire(r.Context(), n) {
		return nil
	}
	if r.ContentLength < 0 {
		r.Body = http.MaxBytesReader(w, r.Body, n)
	}
	return func() { b.release(n) }
}

// acquire reserves n bytes, waiting up to b.wait for requests in flight
// to free them; false when they did not.
func (b *Budget) acquire(ctx context.Context, n int64) bool {
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

func (b *Budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	close(b.freed)
	b.freed = make(chan struct{})
	b.mu.Unlock()
}
