package executor

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/tracking"
)

// scheduler is the state of one run. Only the goroutine running loop
// touches it; workers get a job and send back one event.
type scheduler struct {
	opts    Options
	run     *pipeline.Run
	nodes   []*node
	work    string // scratch folder of the run
	scratch *scratch
	inputs  *inputHashes
	baseEnv []string
	secrets map[string]string // mlcd's own secrets, by name: only for tasks that list them
	masks   []string          // their values, replaced in task output
	devNull *os.File          // every task's stdin, opened once per run
	reaper  *reaper           // kills what attempts leave behind
	// tracking is the run's MLflow endpoint; nil with Options.NoTracking.
	tracking *tracking.Server
	disp     *display
	log      *slog.Logger

	pathsMu sync.Mutex
	paths   map[string]string // program name -> path (lookPath)

	events    chan event
	ready     []*node
	running   int
	timers    map[*node]*time.Timer
	cancelled bool
}

// job is what a worker is given: one attempt of one task.
type job struct {
	n       *node
	attempt int
	key     string // "" on the first attempt: the worker computes it
	ups     []upstream
}

// upstream is what a worker may read of an upstream task: its record is
// final before the downstream task starts.
type upstream struct {
	n      *node
	outDir string
}

// event is a worker's result, or a retry timer firing (retry set).
type event struct {
	n     *node
	retry bool
	res   result
}

func (s *scheduler) loop(ctx context.Context) {
	s.events = make(chan event, len(s.nodes)+1) // at most one pending event per node
	s.timers = map[*node]*time.Timer{}
	defer s.disp.close()
	for _, n := range s.nodes {
		if n.waiting == 0 {
			s.ready = append(s.ready, n)
		}
	}
	s.changed()
	done := ctx.Done()
	for {
		s.startReady(ctx)
		if s.running == 0 && len(s.timers) == 0 {
			break
		}
		select {
		case ev := <-s.events:
			s.handle(ctx, ev)
		case <-done:
			done = nil
			s.cancel()
		}
		s.changed()
	}
	s.finish(ctx)
}

func (s *scheduler) startReady(ctx context.Context) {
	for !s.cancelled && s.running < s.opts.Jobs && len(s.ready) > 0 {
		n := s.ready[0]
		s.ready = s.ready[1:]
		n.attempt++
		j := job{n: n, attempt: n.attempt, key: n.key}
		for _, u := range n.up {
			j.ups = append(j.ups, upstream{n: u, outDir: u.outDir})
		}
		if n.rec.Start.IsZero() {
			n.rec.Start = now()
		}
		n.rec.Status = pipeline.StatusRunning
		s.running++
		s.disp.started()
		go s.worker(ctx, j)
	}
}

// worker runs in its own goroutine and always sends exactly one event.
func (s *scheduler) worker(ctx context.Context, j job) {
	res := result{attempt: pipeline.Attempt{Number: j.attempt, ExitCode: -1}}
	defer func() {
		if p := recover(); p != nil {
			res = result{attempt: res.attempt, err: fmt.Errorf("internal error: %v", p), permanent: true}
		}
		s.events <- event{n: j.n, res: res}
	}()
	res = s.attemptTask(ctx, j)
}

func (s *scheduler) handle(ctx context.Context, ev event) {
	n := ev.n
	if ev.retry {
		delete(s.timers, n)
		if s.cancelled {
			n.rec.Error = "cancelled"
			s.complete(n, pipeline.StatusCancelled)
			return
		}
		s.ready = append(s.ready, n)
		return
	}
	s.running--
	s.disp.stopped()
	res := ev.res
	if res.key != "" {
		n.key = res.key
	}
	n.rec.CacheKey = n.key
	if res.hit != nil {
		s.applyHit(n, res.hit)
		return
	}
	if res.attempt.Start.IsZero() && res.err != nil {
		// failed before the command started (cache key, inputs, upstream restore)
		res.attempt.Start, res.attempt.End = now(), now()
	}
	if res.err != nil && res.attempt.Error == "" {
		res.attempt.Error = res.err.Error() // e.g. bad metrics.json after exit 0
	}
	n.rec.Attempts = append(n.rec.Attempts, res.attempt)
	switch {
	case res.err == nil:
		s.applySuccess(n, res)
	case ctx.Err() != nil:
		n.rec.Error = "cancelled"
		s.applyPartial(n, res.report)
		s.complete(n, pipeline.StatusCancelled)
	case !res.permanent && n.attempt <= n.task.Retries:
		d := retryDelay(n.task, n.attempt, rand.Float64)
		n.rec.Error = fmt.Sprintf("attempt %d: %v", n.attempt, res.err)
		s.disp.status(n.task.Name, fmt.Sprintf("attempt %d failed: %v; retrying in %s", n.attempt, res.err, d.Round(time.Millisecond)))
		s.timers[n] = time.AfterFunc(d, func() { s.events <- event{n: n, retry: true} })
	default:
		n.rec.Error = res.err.Error()
		s.applyPartial(n, res.report)
		s.complete(n, pipeline.StatusFailed)
	}
}

// applyPartial keeps what the last attempt of a failed task logged. Its
// model and stage requests are dropped: a failed task registers nothing.
func (s *scheduler) applyPartial(n *node, rep report) {
	n.rec.Params = rep.Params
	n.rec.Metrics = rep.Metrics
	n.rec.MetricHistory = rep.MetricHistory
	n.rec.Tags = rep.Tags
	n.rec.MLflowRuns = rep.MLflowRuns
}

func (s *scheduler) applyHit(n *node, e *cacheEntry) {
	n.rec.CacheHit = true
	n.rec.Outputs = e.Outputs
	n.rec.Params = e.Params
	n.rec.Metrics = e.Metrics
	n.rec.MetricHistory = e.MetricHistory
	n.rec.Tags = e.Tags
	n.rec.MLflowRuns = e.MLflowRuns
	s.complete(n, pipeline.StatusSuccess)
}

func (s *scheduler) applySuccess(n *node, res result) {
	n.outDir = res.outDir
	n.rec.Error = ""
	n.rec.Outputs = res.report.Outputs
	n.rec.Params = res.report.Params
	n.rec.Metrics = res.report.Metrics
	n.rec.MetricHistory = res.report.MetricHistory
	n.rec.Tags = res.report.Tags
	n.rec.MLflowRuns = res.report.MLflowRuns
	n.rec.StageRequests = res.report.StageRequests
	if res.report.Model != nil { // declared through the MLflow registry API
		n.rec.Model = res.report.Model
	}
	s.complete(n, pipeline.StatusSuccess)
}

// complete gives n its final status and decides its downstream tasks.
func (s *scheduler) complete(n *node, st pipeline.Status) {
	n.rec.Status = st
	n.rec.End = now()
	s.disp.finished(n.rec)
	for _, d := range n.down {
		d.waiting--
		if d.waiting > 0 {
			continue
		}
		ups := make([]pipeline.Status, len(d.up))
		for i, u := range d.up {
			ups[i] = u.rec.Status
		}
		switch verdict := decide(d.task.TriggerRule, ups); {
		case s.cancelled:
			s.complete(d, pipeline.StatusCancelled)
		case verdict == pipeline.StatusQueued:
			s.ready = append(s.ready, d)
		default:
			s.complete(d, verdict)
		}
	}
}

// cancel stops what has not started; running workers see ctx and kill
// their process groups.
func (s *scheduler) cancel() {
	s.cancelled = true
	for n, t := range s.timers {
		if t.Stop() {
			delete(s.timers, n)
			n.rec.Error = "cancelled"
			s.complete(n, pipeline.StatusCancelled)
		}
	}
	ready := s.ready
	s.ready = nil
	for _, n := range ready {
		s.complete(n, pipeline.StatusCancelled)
	}
}

func (s *scheduler) finish(ctx context.Context) {
	end := now()
	for _, n := range s.nodes {
		if !n.rec.Status.Done() {
			n.rec.Status = pipeline.StatusCancelled
			n.rec.End = end
		}
	}
	s.run.End = end
	s.run.Status = runStatus(s.run.Tasks)
	if ctx.Err() != nil {
		s.run.Status = pipeline.StatusCancelled
		s.run.Error = "cancelled"
	}
	s.changed()
}

func (s *scheduler) changed() {
	if s.opts.OnChange != nil {
		s.opts.OnChange(s.run)
	}
}
