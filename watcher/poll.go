package watcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// HeadFunc returns the commit at the head of the tracked branch on the
// remote. It should cost one round trip and transfer no objects, as
// (*gitstore.Repo).RemoteHead does.
type HeadFunc func(ctx context.Context) (string, error)

// Poller defaults.
const (
	DefaultPollInterval = 30 * time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultPollTimeout  = time.Minute
)

// PollerConfig configures a Poller.
type PollerConfig struct {
	Head   HeadFunc // required
	Branch string   // the tracked branch, copied into each Event
	// Interval between polls; DefaultPollInterval when 0.
	Interval time.Duration
	// Timeout bounds one poll, so that a remote that hangs cannot stop the
	// watch (it counts as a failed poll); DefaultPollTimeout when 0.
	Timeout time.Duration
	// LastSeen seeds the last commit seen (after a restart): the first poll
	// emits nothing when the head is still LastSeen.
	LastSeen string
	// MaxBackoff caps the wait after consecutive errors; the wait starts at
	// Interval and doubles. DefaultMaxBackoff (or Interval, if larger) when 0.
	MaxBackoff time.Duration
	// OnError, when set, hears every failed poll and how long the poller
	// waits before the next one (instead of the log). The poller keeps going
	// either way.
	OnError func(err error, retryIn time.Duration)
	Logger  *slog.Logger // slog.Default() when nil
}

// Poller reports each new head of the tracked branch. Make one with
// NewPoller; its Run polls at once, then every Interval, and whenever
// Trigger or TriggerWebhook is called.
type Poller struct {
	cfg  PollerConfig
	log  *slog.Logger
	kick chan struct{} // buffered 1: a poll is asked for

	mu       sync.Mutex
	kind     Kind   // the kind of the asked-for poll
	delivery string // its delivery id, for KindWebhook
	retry    bool   // report the head again even if it has not moved
}

// NewPoller checks cfg and fills in its defaults.
func NewPoller(cfg PollerConfig) (*Poller, error) {
	if cfg.Head == nil {
		return nil, errors.New("poller: no head func")
	}
	if cfg.Interval < 0 || cfg.MaxBackoff < 0 || cfg.Timeout < 0 {
		return nil, fmt.Errorf("poller: negative interval %s, max backoff %s or timeout %s",
			cfg.Interval, cfg.MaxBackoff, cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultPollTimeout
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultPollInterval
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.Interval)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Poller{
		cfg:  cfg,
		log:  log.With("component", "watcher", "source", "poll", "branch", cfg.Branch),
		kick: make(chan struct{}, 1),
	}, nil
}

// Trigger asks for a poll now (`mlcd run` while watching). It never blocks;
// triggers that come while one is pending are merged into it.
func (p *Poller) Trigger() { p.trigger(KindManual, "") }

// TriggerWebhook asks for a poll now on behalf of a GitHub push delivery:
// a new head it finds is reported as KindWebhook with that delivery id.
func (p *Poller) TriggerWebhook(deliveryID string) { p.trigger(KindWebhook, deliveryID) }

// Retry asks the next poll to report the head again even when it has not
// moved: whoever got the last event could not act on it (its fetch failed,
// say, because the disk was full). It does not poll sooner; the next poll
// comes at its time.
func (p *Poller) Retry() {
	p.mu.Lock()
	p.retry = true
	p.mu.Unlock()
}

// takeRetry returns and clears a pending Retry.
func (p *Poller) takeRetry() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	retry := p.retry
	p.retry = false
	return retry
}

func (p *Poller) trigger(kind Kind, delivery string) {
	p.mu.Lock()
	// A webhook's id is worth more than a bare trigger's: keep it.
	if p.kind != KindWebhook || kind == KindWebhook {
		p.kind, p.delivery = kind, delivery
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// takeTrigger returns and clears the pending trigger's kind and delivery id.
func (p *Poller) takeTrigger() (Kind, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kind, delivery := p.kind, p.delivery
	p.kind, p.delivery = "", ""
	if kind == "" {
		kind = KindManual
	}
	return kind, delivery
}

// Run polls until ctx is done, sending an Event for each new head. Errors
// from the head func never stop it: it backs off and tries again. It returns
// nil when ctx is done.
func (p *Poller) Run(ctx context.Context, out chan<- Event) error {
	last := p.cfg.LastSeen
	before := "" // the head seen before last, for a retried event
	failures := 0
	timer := time.NewTimer(0) // the first poll is at once
	defer timer.Stop()
	for {
		kind, delivery := KindPush, ""
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-p.kick:
			kind, delivery = p.takeTrigger()
		}
		head, err := p.head(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			wait := p.backoff(failures)
			p.reportError(err, failures, wait)
			timer.Reset(wait)
			continue
		}
		if failures > 0 {
			p.log.Info("poll recovered", "failures", failures)
			failures = 0
		}
		timer.Reset(p.cfg.Interval)
		previous := last
		if head == last {
			if !p.takeRetry() {
				continue
			}
			previous = before
			p.log.Info("reporting the head again after a failed attempt", "commit", head)
		} else {
			p.takeRetry() // a new head is reported anyway
		}
		ev := Event{Kind: kind, Branch: p.cfg.Branch, Commit: head, Previous: previous,
			DeliveryID: delivery, Time: time.Now()}
		p.log.Debug("new head", "commit", head, "previous", previous, "kind", kind)
		if !send(ctx, out, ev) {
			return nil
		}
		before, last = previous, head
	}
}

// head asks the head func, within the poll timeout.
func (p *Poller) head(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	head, err := p.cfg.Head(ctx)
	if err != nil {
		return "", fmt.Errorf("poll %s: %w", p.cfg.Branch, err)
	}
	if head == "" {
		return "", fmt.Errorf("poll %s: the remote gave no commit", p.cfg.Branch)
	}
	return head, nil
}

// backoff is the wait after the n-th consecutive failure: Interval doubled
// n-1 times, capped at MaxBackoff.
func (p *Poller) backoff(n int) time.Duration {
	d := p.cfg.Interval
	for i := 1; i < n && d < p.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.cfg.MaxBackoff)
}

func (p *Poller) reportError(err error, failures int, wait time.Duration) {
	if p.cfg.OnError != nil {
		p.cfg.OnError(err, wait)
		return
	}
	p.log.Warn("poll failed", "err", err, "failures", failures, "retry_in", wait)
}
