package executor

import (
	"time"

	"github.com/mlcd-dev/mlcd/internal/backoff"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// retryDelay is the wait after failed attempt number attempt (from 1):
// RetryDelay * Backoff^(attempt-1), capped at MaxDelay, with "equal
// jitter": half of it fixed, half random (rnd returns [0, 1)), so that
// tasks failing together do not retry in lockstep.
func retryDelay(t *pipeline.Task, attempt int, rnd func() float64) time.Duration {
	p := backoff.Policy{First: t.RetryDelay, Factor: t.Backoff, Max: t.MaxDelay}
	return p.Delay(attempt, rnd)
}
