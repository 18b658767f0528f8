// Package backoff is mlcd's one retry wait: exponential growth from a first
// delay, an optional cap, and "equal jitter" (half of the wait fixed, half
// random) so that clients that failed together do not retry together; and
// Sleep, a wait that ends when its context does. The GitHub client, the
// bot's push and the executor's task retries all use it, each with its own
// Policy.
//
// It does not decide whether to retry or how often: its callers do.
package backoff

import (
	"context"
	"math"
	"time"
)

// Policy is an exponential backoff.
type Policy struct {
	// First is the wait, before jitter, after the first failure.
	First time.Duration
	// Factor multiplies the wait after each further failure; below 1 it is
	// 1, a constant wait.
	Factor float64
	// Max caps the wait before jitter; 0 is no cap.
	Max time.Duration
}

// Delay is the wait after failure n (from 1): First * Factor^(n-1), at most
// Max, of which half is fixed and half scaled by rnd, which returns a
// number in [0, 1) (rand.Float64; tests pass a constant).
func (p Policy) Delay(n int, rnd func() float64) time.Duration {
	d := p.ceiling(n)
	return d/2 + time.Duration(rnd()*float64(d-d/2))
}

// ceiling is the wait after failure n before jitter. A wait that grows past
// what a Duration holds (no cap, a large factor) stays at half its range.
func (p Policy) ceiling(n int) time.Duration {
	f := max(p.Factor, 1)
	d := float64(p.First) * math.Pow(f, float64(max(n, 1)-1))
	if p.Max > 0 && d > float64(p.Max) {
		d = float64(p.Max)
	}
	if d > float64(math.MaxInt64/2) || math.IsNaN(d) {
		d = float64(math.MaxInt64 / 2)
	}
	return time.Duration(max(d, 0))
}

// Sleep waits d, or until ctx is done, whichever comes first; it returns
// ctx's error when ctx ended first (or had already ended), else nil.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
