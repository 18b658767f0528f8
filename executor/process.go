package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/mlcd-dev/mlcd/internal/backoff"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// execute runs one attempt of a task's command in its own process group,
// its stdout and stderr going to the attempt's log file and, prefixed, to
// the display. A timeout or a cancelled ctx kills the whole group: SIGTERM,
// then SIGKILL after the grace period. When the command exits, whatever it
// left running in its group is killed too, and so is whatever left the
// group (reap_linux.go).
func (s *scheduler) execute(ctx context.Context, j job, env []string, dirs attemptDirs) (pipeline.Attempt, error) {
	t := j.n.task
	att := pipeline.Attempt{Number: j.attempt, ExitCode: -1, Start: now()}
	s.disp.status(t.Name, fmt.Sprintf("started (attempt %d)", j.attempt))
	pr, pw, err := os.Pipe()
	if err != nil {
		return s.endAttempt(att, fmt.Errorf("output pipe: %w", err))
	}
	group, err := s.reaper.newGroup()
	if err != nil {
		pr.Close()
		pw.Close()
		return s.endAttempt(att, err)
	}
	cmd, err := startBusy(ctx, func() (*exec.Cmd, error) {
		cmd := s.command(t)
		cmd.Dir = s.opts.Dir
		cmd.Env = env
		cmd.Stdin, cmd.Stdout, cmd.Stderr = s.devNull, pw, pw
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		group.attach(cmd.SysProcAttr)
		return cmd, s.reaper.start(group, cmd)
	})
	if err != nil || dirs.notes == nil {
		pw.Close()
	} else {
		dirs.notes.attach(pw) // closed by detach once the command exits
	}
	if err != nil {
		pr.Close()
		s.reaper.cleanup(group, nil)
		return s.endAttempt(att, fmt.Errorf("start %s: %w", t.Run[0], err))
	}
	copied := make(chan copyResult, 1)
	go func() { copied <- copyOutput(pr, dirs.log, s.disp.lines(t.Name), s.masks) }()

	runCtx, stop := ctx, func() {}
	if t.Timeout > 0 {
		runCtx, stop = context.WithTimeout(ctx, t.Timeout)
	}
	waitErr, stopped := s.wait(runCtx, cmd)
	stop()
	if dirs.notes != nil {
		dirs.notes.detach()
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // leftovers of the group
	s.reaper.cleanup(group, env)                        // and those that left it
	out := s.drain(pr, copied)
	att.End = now()
	att.ExitCode = cmd.ProcessState.ExitCode()
	if out.wrote {
		if obj, err := s.opts.Store.PutFile(context.WithoutCancel(ctx), dirs.log); err == nil {
			att.Log = obj.SHA256
		} else {
			s.log.Warn("store task log", "task", t.Name, "err", err)
		}
	}
	if waitErr != nil && stopped == nil && ctx.Err() == nil && killedByStopSignal(cmd.ProcessState) {
		s.awaitStop(ctx)
	}
	switch {
	case ctx.Err() != nil && (stopped != nil || waitErr != nil):
		return s.endAttempt(att, fmt.Errorf("cancelled: %w", ctx.Err()))
	case stopped != nil:
		return s.endAttempt(att, timeoutError(t.Timeout))
	case out.err != nil:
		return s.endAttempt(att, fmt.Errorf("task output: %w", out.err))
	case waitErr != nil:
		return s.endAttempt(att, waitErr)
	}
	return att, nil
}

// killedByStopSignal reports whether the command died of SIGTERM, SIGINT
// or SIGHUP that mlcd did not send, or is a shell that exited as a child
// killed so would (128+N). That is how a task ends when whatever stops
// mlcd stops the task too: scancel signals every process of a Slurm job,
// systemd every process of the unit.
func killedByStopSignal(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok {
		return false
	}
	stop := func(sig syscall.Signal) bool {
		return sig == syscall.SIGTERM || sig == syscall.SIGINT || sig == syscall.SIGHUP
	}
	if ws.Signaled() {
		return stop(ws.Signal())
	}
	return ws.Exited() && ws.ExitStatus() > 128 && stop(syscall.Signal(ws.ExitStatus()-128))
}

// awaitStop gives mlcd's own stop signal, sent at the same moment as the
// task's, the time to arrive, so that a task stopped with mlcd is
// recorded as cancelled, not as failed (nor retried).
func (s *scheduler) awaitStop(ctx context.Context) {
	t := time.NewTimer(s.opts.stopWait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// stopSignalWait bounds awaitStop: a task killed by someone else is
// failed only this much later.
const stopSignalWait = time.Second

func (s *scheduler) endAttempt(att pipeline.Attempt, err error) (pipeline.Attempt, error) {
	att.End = now()
	att.Error = err.Error()
	return att, err
}

// wait waits for the command. When ctx ends first, the process group gets
// SIGTERM, then SIGKILL after the grace period, and wait returns ctx's
// error as stopped. No goroutine waits on ctx unless it ends: the common
// case costs no more than cmd.Wait.
func (s *scheduler) wait(ctx context.Context, cmd *exec.Cmd) (waitErr, stopped error) {
	pgid := cmd.Process.Pid
	var (
		mu     sync.Mutex
		exited bool
		kill   *time.Timer
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if exited {
			return
		}
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		kill = time.AfterFunc(s.opts.KillGrace, func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
	})
	waitErr = cmd.Wait()
	mu.Lock()
	exited = true // the pid may be reused from now on: signal it no more
	if kill != nil {
		kill.Stop()
	}
	mu.Unlock()
	if !stop() && ctx.Err() != nil {
		return waitErr, ctx.Err()
	}
	return waitErr, nil
}

// drain waits for the output copy to finish. A process that left the group
// (setsid) may still hold the pipe; after the grace period it is cut off.
func (s *scheduler) drain(pr *os.File, copied <-chan copyResult) copyResult {
	defer pr.Close()
	select {
	case r := <-copied:
		return r
	case <-time.After(s.opts.KillGrace):
	}
	pr.Close()
	return <-copied
}

type copyResult struct {
	wrote bool // the log file exists and is not empty
	err   error
}

// copyOutput copies the task's output to the log file, created on the
// first byte so that silent tasks cost no file, and to lines, with the
// values of secrets masked in both.
func copyOutput(r io.Reader, logPath string, lines *lineWriter, secrets []string) copyResult {
	var (
		res copyResult
		f   *os.File
	)
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	out := newMasker(writerFunc(func(b []byte) (int, error) {
		if f == nil && res.err == nil {
			f, res.err = os.Create(logPath)
		}
		if f != nil {
			if _, werr := f.Write(b); werr != nil && res.err == nil {
				res.err = werr
			}
		}
		lines.Write(b)
		return len(b), nil
	}), secrets)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_, _ = out.Write(buf[:n]) // errors are kept in res
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrClosed) && res.err == nil {
				res.err = err
			}
			break
		}
	}
	_ = out.Flush()
	lines.Flush()
	if f != nil {
		if err := f.Close(); err != nil && res.err == nil {
			res.err = err
		}
		res.wrote = true
	}
	return res
}

// copyBuffers are the read buffers of copyOutput: one per running task,
// not one per task of the run.
var copyBuffers = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

// writerFunc is an io.Writer made of a function.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// busyLimit bounds how long startBusy starts a program again that is
// "text file busy".
const busyLimit = 2 * time.Second

// startBusy calls start, which builds a command and starts it. A program
// written just before it runs (a checkout, a task's own script) can still
// be open for writing in a child that another goroutine forked while the
// file was open and that has not exec'd yet; exec then fails with ETXTBSY
// (Go issue 22315) until that child execs. startBusy calls start again,
// for a fresh command, for up to busyLimit.
func startBusy(ctx context.Context, start func() (*exec.Cmd, error)) (*exec.Cmd, error) {
	policy := backoff.Policy{First: time.Millisecond, Factor: 2, Max: 100 * time.Millisecond}
	deadline := time.Now().Add(busyLimit)
	for n := 1; ; n++ {
		cmd, err := start()
		if err == nil || !errors.Is(err, syscall.ETXTBSY) || time.Now().After(deadline) {
			return cmd, err
		}
		if backoff.Sleep(ctx, policy.Delay(n, rand.Float64)) != nil {
			return cmd, err
		}
	}
}
