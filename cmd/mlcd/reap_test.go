package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/executor"
)

// running reports whether pid is a live process (a zombie is not).
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// waitPIDFile waits for a file holding a process id and returns it.
func waitPIDFile(t *testing.T, path string, out *bytes.Buffer) int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
				return pid
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared\n%s", path, out.String())
	return 0
}

func TestRunCommand_KilledMlcdTakesTaskDescendantsWithIt(t *testing.T) {
	t.Parallel()
	if !executor.TasksInCgroups() {
		// Without cgroups only the task's own process dies with mlcd.
		if os.Getenv("CI") == "true" {
			t.Fatal("tasks do not run in cgroups here: run as root or in a delegated cgroup v2 subtree")
		}
		t.Skip("tasks do not run in cgroups here (not root, no delegated cgroup v2 subtree)")
	}
	tmp := t.TempDir()
	child, grand := filepath.Join(tmp, "child"), filepath.Join(tmp, "grandchild")
	dir := writePipeline(t, `pipeline: p
tasks:
  spawn:
    run: |
      setsid sh -c 'echo $$ > `+grand+`.tmp && mv `+grand+`.tmp `+grand+`; exec sleep 1000' > /dev/null 2>&1 &
      sleep 1000 &
      echo $! > `+child+`.tmp && mv `+child+`.tmp `+child+`
      wait
`)
	cmd := exec.Command(mlcdBinary(t), "run")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MLCD_STORE="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{"a child in the task's group": waitPIDFile(t, child, &out), "a grandchild in its own session": waitPIDFile(t, grand, &out)}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for what, pid := range pids {
		for running(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("%s of the task (pid %d) outlived mlcd's SIGKILL\n%s", what, pid, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
