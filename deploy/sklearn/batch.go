package sklearn

import (
	"context"
	"errors"
	"time"
)

// job is one request's rows waiting for a worker.
type job struct {
	values []float64 // rows x the schema's width, a copy of the request's frame
	rows   int
	done   <-chan struct{} // the request's context is done: skip it
	res    chan result     // buffered 1
}

type result struct {
	values []float64
	width  int
	err    error
}

// run is one worker's loop: gather a batch, score it, answer each request;
// when the worker dies, answer its batch 503 and start a new one.
func (m *Model) run(w *worker) {
	defer m.wg.Done()
	var carry *job
	backoff, since := m.cfg.MinBackoff, time.Now()
	for {
		if w == nil {
			if w = m.replace(&backoff); w == nil {
				return
			}
			since = time.Now()
		}
		batch, ok := m.gather(&carry, w.done)
		if !ok {
			w.kill(m.cfg.StopGrace)
			return
		}
		err := errDied // the worker died while idle
		if batch != nil {
			err = m.score(w, batch)
		}
		if err == nil {
			continue
		}
		m.buried(w, batch, err)
		w = nil
		if time.Since(since) >= stableAfter {
			backoff = m.cfg.MinBackoff
		}
	}
}

// buried answers the batch of a dead worker 503 and ends the worker.
func (m *Model) buried(w *worker, batch []*job, err error) {
	m.alive.Add(-1)
	w.kill(m.cfg.StopGrace)
	m.log.Warn("model worker died; replacing it", "err", err, "state", w.state(), "requests", len(batch))
	for _, j := range batch {
		j.res <- result{err: unavailable("the model worker died while scoring this request; it is being replaced: retry")}
	}
	if m.alive.Load() == 0 {
		m.fail(unavailable("every model worker died; they are restarting"))
	}
}

// gather blocks for a first request, then takes the requests already
// queued and those arriving within BatchWait, up to MaxBatch rows. A
// request that would overflow the batch is carried to the next one. It
// returns false when the model stops, and no batch when the worker dies
// (closes died) while waiting.
func (m *Model) gather(carry **job, died <-chan struct{}) ([]*job, bool) {
	var batch []*job
	rows := 0
	add := func(j *job) bool {
		if isDone(j.done) {
			return true
		}
		if len(batch) > 0 && rows+j.rows > m.cfg.MaxBatch {
			*carry = j
			return false
		}
		batch = append(batch, j)
		rows += j.rows
		return rows < m.cfg.MaxBatch
	}
	if *carry != nil {
		j := *carry
		*carry = nil
		add(j)
	}
	for len(batch) == 0 {
		select {
		case j := <-m.queue:
			add(j)
		case <-died:
			return nil, true
		case <-m.stop:
			return nil, false
		}
	}
	m.fill(add)
	return batch, true
}

// fill adds what is queued now, then what arrives within BatchWait, until
// add says the batch is full.
func (m *Model) fill(add func(*job) bool) {
	for {
		select {
		case j := <-m.queue:
			if !add(j) {
				return
			}
			continue
		default:
		}
		break
	}
	if m.cfg.BatchWait < 0 {
		return
	}
	t := time.NewTimer(m.cfg.BatchWait)
	defer t.Stop()
	for {
		select {
		case j := <-m.queue:
			if !add(j) {
				return
			}
		case <-t.C:
			return
		case <-m.stop:
			return
		}
	}
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// score sends batch to w in one predict call and answers each job with
// its rows. When the model refuses a batch of several requests, each is
// scored alone, so only the request at fault gets the error. The error
// returned means the worker died.
func (m *Model) score(w *worker, batch []*job) error {
	cols := m.schema.Width()
	rows := 0
	for _, j := range batch {
		rows += j.rows
	}
	values := make([]float64, 0, rows*cols)
	for _, j := range batch {
		values = append(values, j.values...)
	}
	out, width, err := w.predict(values, rows, cols)
	var me *modelError
	switch {
	case errors.As(err, &me) && len(batch) > 1:
		for _, j := range batch {
			if err := m.score(w, []*job{j}); err != nil {
				return err
			}
		}
		return nil
	case errors.As(err, &me):
		batch[0].res <- result{err: modelRefused(me.msg)}
		return nil
	case err != nil:
		return err
	}
	off := 0
	for _, j := range batch {
		n := j.rows * width
		j.res <- result{values: out[off : off+n : off+n], width: width}
		off += n
	}
	return nil
}

// replace starts a worker in place of a dead one after *backoff, which
// doubles (up to MaxBackoff) for the next try; nil when the model stops
// first.
func (m *Model) replace(backoff *time.Duration) *worker {
	for {
		wait := *backoff
		*backoff = min(2**backoff, m.cfg.MaxBackoff)
		select {
		case <-m.stop:
			return nil
		case <-time.After(wait):
		}
		started := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-m.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		w, _, err := startWorker(ctx, &m.cfg, m.cfg.Output)
		cancel()
		if err == nil {
			m.restarts.Add(1)
			m.alive.Add(1)
			m.log.Info("model worker replaced", "took", time.Since(started).Round(time.Millisecond))
			return w
		}
		m.log.Warn("model worker failed to start", "err", err, "next_try", *backoff)
	}
}
