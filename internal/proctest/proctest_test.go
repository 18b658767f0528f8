//go:build unix

package proctest

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// The leader is killed at once; its child writes a file afterwards.
// Kill returns only once the child has written it.
func TestKill_WaitsForWhatTheKilledLeaderLeft(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "late")
	p := startLeader(t, exec.Command("/bin/sh", "-c", `(sleep 0.5; echo written > "$1") & echo started; wait`, "sh", out))
	_ = p.Kill()
	data, err := os.ReadFile(out)
	if err != nil || string(data) != "written\n" {
		t.Fatalf("after Kill the child left had not finished: %q, %v", data, err)
	}
	if p.Cmd.ProcessState == nil || p.Cmd.ProcessState.Success() {
		t.Errorf("the leader's state = %v, want killed", p.Cmd.ProcessState)
	}
}

func TestKillGroup_KillsTheChildrenToo(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "late")
	p := startLeader(t, exec.Command("/bin/sh", "-c", `(sleep 1000; echo written > "$1") & echo started; wait`, "sh", out))
	_ = p.KillGroup()
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the child wrote after the group was killed")
	}
}

func TestWait_ReturnsTheExit(t *testing.T) {
	t.Parallel()
	p := Start(t, exec.Command("/bin/sh", "-c", "exit 3"))
	var exit *exec.ExitError
	if err := p.Wait(); !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("Wait = %v, want exit status 3", err)
	}
	_ = p.Kill() // after the end: nothing to kill, no wait
}

func TestWaitGroup_KillsAHangingGroupAndSaysWhat(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("/bin/sh", "-c", "sleep 1000 & echo $!; wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	pgid := cmd.Process.Pid
	// The child is named sh until it has exec'd sleep: name it by its pid.
	err = waitGroup(pgid, 0)
	if err == nil || !strings.Contains(err.Error(), "killed: "+strings.TrimSpace(child)+" ") {
		t.Fatalf("waitGroup of a hanging group = %v, want an error naming process %s", err, strings.TrimSpace(child))
	}
	if err := waitGroup(pgid, GroupLimit); err != nil {
		t.Fatalf("the group outlived its SIGKILL: %v", err)
	}
}

// startLeader starts cmd with Start and returns once it printed its first
// line: after it started its child.
func startLeader(t *testing.T, cmd *exec.Cmd) *Process {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := Start(t, cmd)
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("the leader's first line: %v", err)
	}
	return p
}

// The case proctest is for: a push to a local-path remote whose client is
// killed while receive-pack works (here: while its pre-receive hook
// runs). receive-pack goes on and moves the branch after the client is
// gone; Kill returns only once it has, so the test's next push cannot
// lose the race to it. Not parallel: the hook it writes must not be open
// in a child another test forks meanwhile, or git cannot run it (text
// file busy).
func TestKill_WaitsForTheReceivePackOfAKilledPush(t *testing.T) {
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("a", "1\n")
	p.Commit("first")
	p.Push()
	inHook := filepath.Join(t.TempDir(), "in-hook")
	hook := "#!/bin/sh\ncat >/dev/null\ntouch '" + inHook + "'\nsleep 1\n"
	if err := os.WriteFile(filepath.Join(bare, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
	p.Write("a", "2\n")
	second := p.Commit("second")

	cmd := exec.Command("git", "push", "--quiet", "origin", "HEAD")
	cmd.Dir, cmd.Env = p.Dir, gittest.Env()
	push := Start(t, cmd)
	for {
		if _, err := os.Stat(inHook); err == nil {
			break
		}
		select {
		case <-push.Done():
			t.Fatalf("git push ended before its hook ran: %v", push.Wait())
		case <-time.After(10 * time.Millisecond):
		}
	}
	_ = push.Kill()
	if head := gittest.Git(t, bare, "rev-parse", "main"); head != second {
		t.Fatalf("main = %.7s after Kill, want %.7s: Kill returned while receive-pack still ran", head, second)
	}
}
