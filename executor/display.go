package executor

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// display writes task output and status lines, each prefixed "[task] ",
// whole lines at a time so that parallel tasks do not interleave inside a
// line. On a terminal it keeps a progress line at the bottom.
type display struct {
	mu      sync.Mutex
	w       io.Writer // nil: no output at all
	tty     bool
	start   time.Time
	total   int
	done    int
	running int
	failed  int
	shown   bool // the progress line is on screen
	stop    chan struct{}
	ticking sync.WaitGroup
}

func newDisplay(w io.Writer, tty bool, total int) *display {
	d := &display{w: w, tty: tty && w != nil, start: time.Now(), total: total}
	if d.tty {
		d.stop = make(chan struct{})
		d.ticking.Add(1)
		go d.tick()
	}
	return d
}

// tick refreshes the elapsed time of the progress line.
func (d *display) tick() {
	defer d.ticking.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.mu.Lock()
			d.drawLocked()
			d.mu.Unlock()
		}
	}
}

func (d *display) close() {
	if d.tty {
		close(d.stop)
		d.ticking.Wait()
		d.mu.Lock()
		d.clearLocked()
		d.mu.Unlock()
	}
}

func (d *display) started() { d.count(func() { d.running++ }) }
func (d *display) stopped() { d.count(func() { d.running-- }) }

func (d *display) count(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
	d.drawLocked()
}

// finished prints the final state of a task.
func (d *display) finished(rec *pipeline.TaskRecord) {
	msg := string(rec.Status)
	switch {
	case rec.CacheHit:
		msg = "cached"
	case rec.Status == pipeline.StatusSuccess || rec.Status == pipeline.StatusFailed:
		msg += " in " + rec.End.Sub(rec.Start).Round(time.Millisecond).String()
	}
	if rec.Error != "" && rec.Status != pipeline.StatusSuccess {
		msg += ": " + rec.Error
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.done++
	if rec.Status == pipeline.StatusFailed {
		d.failed++
	}
	d.writeLocked([]byte("[" + rec.Name + "] " + msg + "\n"))
}

func (d *display) status(task, msg string) {
	if d.w == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writeLocked([]byte("[" + task + "] " + msg + "\n"))
}

func (d *display) writeLocked(p []byte) {
	if d.w == nil {
		return
	}
	d.clearLocked()
	_, _ = d.w.Write(p)
	d.drawLocked()
}

func (d *display) clearLocked() {
	if d.shown {
		_, _ = io.WriteString(d.w, "\r\x1b[K")
		d.shown = false
	}
}

func (d *display) drawLocked() {
	if !d.tty {
		return
	}
	d.clearLocked()
	fmt.Fprintf(d.w, "mlcd: %d/%d done, %d running, %d failed, %s",
		d.done, d.total, d.running, d.failed, time.Since(d.start).Round(time.Second))
	d.shown = true
}

// lines returns a writer of one attempt's output, or nil when there is no
// display (its methods accept a nil receiver).
func (d *display) lines(task string) *lineWriter {
	if d.w == nil {
		return nil
	}
	return &lineWriter{d: d, prefix: []byte("[" + task + "] ")}
}

// lineWriter prefixes each line of a task's output. It holds a partial
// line until its end arrives, up to maxPartial bytes.
type lineWriter struct {
	d      *display
	prefix []byte
	buf    []byte
	out    []byte
}

const maxPartial = 64 << 10

func (w *lineWriter) Write(p []byte) {
	if w == nil {
		return
	}
	w.buf = append(w.buf, p...)
	w.out = w.out[:0]
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.out = append(append(w.out, w.prefix...), w.buf[:i+1]...)
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > maxPartial {
		w.out = append(append(append(w.out, w.prefix...), w.buf...), '\n')
		w.buf = w.buf[:0]
	}
	if len(w.out) > 0 {
		w.d.mu.Lock()
		w.d.writeLocked(w.out)
		w.d.mu.Unlock()
	}
	w.buf = w.buf[:copy(w.buf[:cap(w.buf)], w.buf)] // keep the partial line at the start
}

// Flush writes a last line that had no newline.
func (w *lineWriter) Flush() {
	if w == nil || len(w.buf) == 0 {
		return
	}
	w.Write([]byte{'\n'})
}
