//go:build unix

package proctest

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// GroupLimit is how long a Process waits for the rest of its group once
// it has exited. What is left when mlcd dies are short git processes
// finishing a push whose client is gone; one still alive after this long
// hangs, and is killed.
const GroupLimit = 60 * time.Second

// Process is a command started in a process group of its own, which its
// children join.
type Process struct {
	Cmd  *exec.Cmd
	done chan struct{} // closed once Cmd and its whole group have ended
	err  error         // Cmd.Wait's result
	left error         // what the group left past GroupLimit
}

// Start starts cmd as the leader of a new process group. When t ends,
// the process is killed as by Kill and a group that would not end fails
// t.
func Start(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		// The group's id stays the leader's pid while a process is in
		// it, so it cannot name another group yet: wait for it now.
		p.left = waitGroup(cmd.Process.Pid, GroupLimit)
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Kill()
		if p.left != nil {
			t.Error(p.left)
		}
	})
	return p
}

// Done is closed once the process has exited and no process of its
// group is left.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for Done and returns the process's exit as exec.Cmd.Wait
// does.
func (p *Process) Wait() error {
	<-p.done
	return p.err
}

// Kill kills the leader with SIGKILL, as a crash does, and waits as Wait.
// Its children go on, as a server half way through a request does when
// its client dies, and Kill waits for them too.
func (p *Process) Kill() error {
	_ = p.Cmd.Process.Signal(syscall.SIGKILL)
	return p.Wait()
}

// KillGroup kills the whole group with SIGKILL, as a machine that goes
// down does, and waits as Wait.
func (p *Process) KillGroup() error {
	select {
	case <-p.done:
	default:
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	}
	return p.Wait()
}

// waitGroup waits until no process of group pgid is alive (a zombie has
// stopped writing: it counts as ended). Past limit it kills what is left
// and says what it was.
func waitGroup(pgid int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	delay := 5 * time.Millisecond
	for {
		left, err := groupMembers(pgid)
		if err != nil {
			return fmt.Errorf("process group %d: %w", pgid, err)
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			err := syscall.Kill(-pgid, syscall.SIGKILL)
			if errors.Is(err, syscall.ESRCH) {
				return nil
			}
			return fmt.Errorf("process group %d still ran %s after its leader ended, killed: %s", pgid, limit, strings.Join(left, "; "))
		}
		time.Sleep(delay)
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// WaitGroup waits until no process of group pgid is left, for a group
// whose leader was not started with Start (a script that leaves a daemon
// running). The group's id can name another group once it is empty, so
// call it while a process of the group is known to run. Past GroupLimit
// it kills what is left and fails t.
func WaitGroup(t testing.TB, pgid int) {
	t.Helper()
	if err := waitGroup(pgid, GroupLimit); err != nil {
		t.Error(err)
	}
}
