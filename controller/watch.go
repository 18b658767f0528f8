package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/internal/httplimit"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/watcher"
)

// Watch follows the branch until ctx ends: it polls the remote (and polls
// at once on a signed GitHub push webhook), ticks on the pipeline's
// schedule, queues a run for each commit that changes the pipeline, its
// code or its data (a newer commit replaces a queued one), runs them one at
// a time and records each. On ctx's end it finishes or cancels the run in
// progress (Config.Shutdown), records it, and returns.
func (c *Controller) Watch(ctx context.Context) error {
	var adopt *request // run first, never replaced by a newer commit
	if rerun, err := c.recover(ctx); err != nil {
		c.log.Error("recovery incomplete; will retry on the next run", "err", err)
		c.status.addError(err)
	} else if rerun != nil && rerun.Adopt != "" {
		adopt = rerun
	} else if rerun != nil {
		c.slot.put(*rerun)
	}
	events := make(chan watcher.Event, 16)
	poller, err := watcher.NewPoller(watcher.PollerConfig{
		Head:     c.repo.RemoteHead,
		Branch:   c.cfg.Branch,
		Interval: c.cfg.Interval,
		OnError: func(err error, retryIn time.Duration) {
			c.status.addError(fmt.Errorf("poll (retry in %s): %w", retryIn.Round(time.Millisecond), err))
		},
		Logger: c.cfg.Logger,
	})
	if err != nil {
		return err
	}
	srcCtx, stopSources := context.WithCancel(ctx)
	defer stopSources()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := poller.Run(srcCtx, events); err != nil && !errors.Is(err, context.Canceled) {
			errc <- fmt.Errorf("poller: %w", err)
		}
	}()
	if c.cfg.Listen != "" {
		srv, err := c.listen(poller, events)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.serve(srcCtx, srv)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.runLoop(ctx, srcCtx, adopt)
	}()
	err = c.eventLoop(srcCtx, events, errc, poller.Retry)
	stopSources()
	wg.Wait()
	return err
}

// runLoop takes queued runs one at a time until srcCtx ends, starting
// with first when it is not nil. In wait mode a run in progress at
// shutdown goes on to its end.
func (c *Controller) runLoop(ctx, srcCtx context.Context, first *request) {
	var lastSuccess string // the commit of the last run that succeeded here
	for {
		var req request
		if first != nil {
			req, first = *first, nil
		} else {
			var err error
			if req, err = c.slot.take(srcCtx); err != nil {
				return
			}
		}
		c.showQueue()
		if req.changeDriven() && req.Commit == lastSuccess {
			// A change seen while the same commit was starting (a
			// recovery rerun racing the first poll): it already ran.
			c.log.Info("commit already ran successfully; not running it again", "commit", short(req.Commit))
			continue
		}
		runCtx := ctx
		if c.cfg.Shutdown == ShutdownWait {
			runCtx = context.WithoutCancel(ctx)
		}
		recCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		r, err := c.runAndRecord(runCtx, recCtx, req)
		if err != nil && !errors.Is(err, context.Canceled) {
			c.log.Error("run", "err", err)
		}
		if r != nil && r.Status == pipeline.StatusSuccess && r.Git != nil {
			lastSuccess = r.Git.Commit
		}
		cancel()
	}
}

// eventLoop turns events into queued runs until ctx ends. An event whose
// fetch failed is not lost: retry has the next poll report the head again.
func (c *Controller) eventLoop(ctx context.Context, events chan watcher.Event, errc <-chan error, retry func()) error {
	cron := &cronSource{}
	defer cron.stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			return err
		case ev := <-events:
			if err := c.handle(ctx, ev, cron, events); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if errors.Is(err, errFetch) {
					retry()
					err = fmt.Errorf("%w (retrying on the next poll)", err)
				}
				c.log.Error("event", "kind", ev.Kind, "err", err)
				c.status.addError(err)
			}
		}
	}
}

// handle queues the run an event asks for, if any.
func (c *Controller) handle(ctx context.Context, ev watcher.Event, cron *cronSource, events chan watcher.Event) error {
	head, err := c.repo.Fetch(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errFetch, err)
	}
	c.reconcileDeploysLogged(ctx, head)
	c.refreshReport(ctx) // a promotion or a refusal moved the branch
	c.updateCron(ctx, head, cron, events)
	trigger := pipeline.Trigger{Kind: string(ev.Kind), Detail: ev.Detail()}
	var req *request
	// A tick, or a person asking for a run (POST /runs), runs the head
	// whether or not it changed: unchanged tasks are cache hits, and a task
	// with cache: false (say, one that reads a database) runs again.
	if ev.Kind == watcher.KindSchedule || (ev.Kind == watcher.KindManual && ev.Commit == "") {
		req = &request{Commit: c.effectiveCommit(ctx, head), Trigger: trigger, Enqueued: time.Now().UTC()}
	} else if req, err = c.decide(ctx, head, trigger); err != nil {
		return err
	}
	if req == nil {
		return nil
	}
	if old := c.slot.put(*req); old != nil {
		c.log.Info("a newer commit replaces the queued run", "queued", short(old.Commit), "now", short(req.Commit))
	}
	c.showQueue()
	return nil
}

// showQueue puts the waiting request, if any, in the status. It reads the
// queue under the status's lock, after every change of the queue, so the
// last update always shows the queue as it is: a run taken before its
// request reached the status is not left "queued".
func (c *Controller) showQueue() {
	c.status.update(func(s *Status) {
		s.Queued = nil
		if req := c.slot.peek(); req != nil {
			s.Queued = &QueuedRun{Commit: req.Commit, Trigger: req.Trigger, Since: req.Enqueued}
		}
	})
}

// errFetch marks an event that failed before anything was decided: the
// branch could not be fetched.
var errFetch = errors.New("fetch")

// cronSource runs the pipeline's schedule, restarted when it changes.
type cronSource struct {
	expr, tz string
	cancel   context.CancelFunc
	done     chan struct{}
}

func (s *cronSource) stop() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
		s.cancel = nil
	}
}

// updateCron follows the schedule of mlcd.yaml at head.
func (c *Controller) updateCron(ctx context.Context, head string, cron *cronSource, events chan watcher.Event) {
	p, err := c.pipelineAt(ctx, head)
	if err != nil {
		return // keep the schedule we have; the run records the error
	}
	if p.Schedule == cron.expr && p.Timezone == cron.tz {
		return
	}
	cron.stop()
	cron.expr, cron.tz = p.Schedule, p.Timezone
	if p.Schedule == "" {
		return
	}
	src, err := watcher.NewCron(p.Schedule, p.Timezone)
	if err != nil {
		c.status.addError(fmt.Errorf("schedule %q: %w", p.Schedule, err))
		return
	}
	cctx, cancel := context.WithCancel(ctx)
	cron.cancel, cron.done = cancel, make(chan struct{})
	go func() {
		defer close(cron.done)
		_ = src.Run(cctx, events)
	}()
	c.log.Info("schedule", "cron", p.Schedule, "tz", p.Timezone)
}

// listen binds the webhook and status endpoints.
func (c *Controller) listen(poller *watcher.Poller, events chan<- watcher.Event) (*http.Server, error) {
	mux := http.NewServeMux()
	// Bodies are read before their signature is checked: bound what
	// concurrent deliveries (signed or not) can hold at once.
	bodies := httplimit.NewBudget(2*watcher.DefaultMaxBody, watcher.DefaultMaxBody, 2*time.Second)
	mux.Handle("POST /runs", limitBodies(bodies, c.runRequestHandler(events)))
	if c.cfg.WebhookSecret != "" {
		hook, err := watcher.NewWebhook(watcher.WebhookConfig{
			Secret: []byte(c.cfg.WebhookSecret),
			Branch: c.cfg.Branch,
			OnPush: func(p watcher.Push) { poller.TriggerWebhook(p.DeliveryID) },
			Logger: c.cfg.Logger,
		})
		if err != nil {
			return nil, err
		}
		mux.Handle("POST "+watcher.WebhookPath, limitBodies(bodies, hook))
	} else {
		c.log.Warn("no webhook secret (" + watcher.SecretEnv + "): the webhook endpoint is off")
	}
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(c.status.snapshot())
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	ln, err := net.Listen("tcp", c.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", c.cfg.Listen, err)
	}
	srv := httplimit.Server(mux, c.cfg.HTTPTimeouts, httplimit.Control, slog.NewLogLogger(c.log.Handler(), slog.LevelDebug))
	go func() { _ = srv.Serve(ln) }()
	c.log.Info("listening", "addr", ln.Addr().String(), "webhook", watcher.WebhookPath, "runs", "POST /runs")
	return srv, nil
}

// limitBodies has h wait for room in b for its request's body, and
// answers 503 when there is none within the budget's wait.
func limitBodies(b *httplimit.Budget, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := b.Admit(w, r)
		if done == nil {
			w.Header().Set("Retry-After", b.RetryAfter())
			http.Error(w, "busy: too many large requests at once; try again", http.StatusServiceUnavailable)
			return
		}
		defer done()
		h.ServeHTTP(w, r)
	})
}

// serve shuts srv down when ctx ends.
func (c *Controller) serve(ctx context.Context, srv *http.Server) {
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
}
