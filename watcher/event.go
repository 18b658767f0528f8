package watcher

import (
	"context"
	"time"
)

// Kind says which source an Event comes from. The values are the trigger
// kinds of the run record (pipeline.Trigger.Kind): push, webhook, manual,
// schedule, local.
type Kind string

const (
	// KindPush: a new head on the tracked branch, found by an interval poll.
	KindPush Kind = "push"
	// KindWebhook: a new head on the tracked branch, found by the poll that a
	// GitHub push webhook asked for.
	KindWebhook Kind = "webhook"
	// KindManual: a new head found by a poll that Poller.Trigger asked for.
	KindManual Kind = "manual"
	// KindSchedule: a cron tick.
	KindSchedule Kind = "schedule"
	// KindLocal: files changed in a local working tree.
	KindLocal Kind = "local"
)

// Event is one thing that happened that may start a run.
type Event struct {
	Kind Kind
	// Branch and Commit: for KindPush, KindWebhook and KindManual, the new
	// head of Branch. Previous is the head seen before it ("" on the first
	// poll when the poller was not seeded); the changed paths are the diff
	// between the two.
	Branch   string
	Commit   string
	Previous string
	// Paths (KindLocal): the changed paths, relative to the watched root,
	// slash-separated, sorted, each once. Empty when events were lost (the
	// kernel queue overflowed): treat it as "anything may have changed".
	Paths []string
	// Schedule (KindSchedule): the cron expression that fired.
	Schedule string
	// DeliveryID (KindWebhook): GitHub's X-GitHub-Delivery of the push.
	DeliveryID string
	// Time: when the source saw it; for KindSchedule, the scheduled time.
	Time time.Time
}

// Detail is what the run record keeps about the trigger besides its kind
// (pipeline.Trigger{Kind: string(e.Kind), Detail: e.Detail()}): the cron
// expression of a tick, the delivery id of a webhook, else "".
func (e Event) Detail() string {
	switch e.Kind {
	case KindSchedule:
		return e.Schedule
	case KindWebhook:
		return e.DeliveryID
	}
	return ""
}

// Source is what Poller, Local and Cron have in common: Run sends events
// on out until ctx is done, then returns nil; an error means the source
// could not work at all.
type Source interface {
	Run(ctx context.Context, out chan<- Event) error
}

var (
	_ Source = (*Poller)(nil)
	_ Source = (*Local)(nil)
	_ Source = (*Cron)(nil)
)

// send delivers ev on out unless ctx ends first; it reports whether it did.
func send(ctx context.Context, out chan<- Event, ev Event) bool {
	select {
	case out <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}
