package executor

import (
	"math"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// retryDelay is the wait after failed attempt number attempt (from 1):
// RetryDelay * Backoff^(attempt-1), capped at MaxDelay, with "equal
// jitter": half of it fixed, half random (rnd returns [0, 1)), so that
// tasks failing together do not retry in lockstep.
func retryDelay(t *pipeline.Task, attempt int, rnd func() float64) time.Duration {
	b := t.Backoff
	if b < 1 {
		b = 1
	}
	d := float64(t.RetryDelay) * math.Pow(b, float64(attempt-1))
	if t.MaxDelay > 0 && d > float64(t.MaxDelay) {
		d = float64(t.MaxDelay)
	}
	if d > float64(math.MaxInt64/2) {
		d = float64(math.MaxInt64 / 2)
	}
	return time.Duration(d/2 + rnd()*d/2)
}
