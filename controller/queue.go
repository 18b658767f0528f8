package controller

import (
	"context"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// request asks for a run of the pipeline at one commit.
type request struct {
	Commit   string           `json:"commit"`
	Trigger  pipeline.Trigger `json:"trigger"`
	Paths    []string         `json:"paths,omitempty"` // what changed, for the log and the status
	Enqueued time.Time        `json:"enqueued"`
	// Adopt is the id of a run on an engine whose jobs a controller that
	// died submitted: the request follows them instead of running anew.
	Adopt string `json:"adopt,omitempty"`
}

// changeDriven reports whether r was queued because the branch changed
// (not by a schedule, a person or a recovery, which mean "run it again").
func (r request) changeDriven() bool {
	switch r.Trigger.Kind {
	case "push", "webhook":
		return true
	}
	return false
}

// slot is the controller's run queue: at most one waiting request. A newer
// request replaces a waiting one (runs coalesce: when three commits land while
// a run is going on, only the newest is run next). Runs never overlap: the
// controller takes a request only when the previous run is done.
type slot struct {
	mu      sync.Mutex
	waiting *request
	ready   chan struct{} // buffered 1: "something is waiting"
}

func newSlot() *slot { return &slot{ready: make(chan struct{}, 1)} }

// put queues r and returns the request it replaced, if any.
func (s *slot) put(r request) (replaced *request) {
	s.mu.Lock()
	replaced, s.waiting = s.waiting, &r
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
	return replaced
}

// peek returns the waiting request without taking it.
func (s *slot) peek() *request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting == nil {
		return nil
	}
	r := *s.waiting
	return &r
}

// take waits for a request or for ctx to end.
func (s *slot) take(ctx context.Context) (request, error) {
	for {
		s.mu.Lock()
		if r := s.waiting; r != nil {
			s.waiting = nil
			s.mu.Unlock()
			return *r, nil
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return request{}, ctx.Err()
		case <-s.ready:
		}
	}
}
