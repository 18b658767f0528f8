package executor

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

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/pipeline"
	"golang.org/x/sys/unix"
)

// needCgroups stops a test that needs task cgroups where there are none
// (not root, no delegated cgroup v2 subtree); under CI=true that fails.
func needCgroups(t *testing.T) {
	t.Helper()
	if TasksInCgroups() {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("tasks do not run in cgroups here: run as root or in a delegated cgroup v2 subtree")
	}
	t.Skip("tasks do not run in cgroups here (not root, no delegated cgroup v2 subtree)")
}

// gone reports whether pid is no longer a running process that this
// process would have to reap: it has exited and is not a zombie child of
// ours.
func gone(pid int) bool {
	if alive(pid) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) < 2 || f[1] != strconv.Itoa(os.Getpid())
}

// waitReaped fails the test when pid is still running, or left as a
// zombie of this process, after a generous wait.
func waitReaped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d is still running, or was never reaped", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRun_DoubleForkedDescendantsKilledWhenTaskEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	grand := filepath.Join(dir, "grandchild")
	// The grandchild leaves the task's process group and session, and its
	// parent exits: it is nobody's child in the task any more.
	script := `setsid sh -c 'echo $$ > "` + grand + `.tmp" && mv "` + grand + `.tmp" "` + grand + `"; exec sleep 1000' &
while [ ! -s "` + grand + `" ]; do sleep 0.01; done
echo done`
	r := e.run(pipe("p", sh("spawn", script)))
	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("run %s: %s", r.Status, e.out.String())
	}
	pid, _ := strconv.Atoi(waitFile(t, grand))
	waitReaped(t, pid)
}

func TestRun_DescendantWithClearedEnvironmentKilledWhenTaskEnds(t *testing.T) {
	t.Parallel()
	needCgroups(t)
	e := newEnv(t)
	grand := filepath.Join(t.TempDir(), "grandchild")
	script := `env -i /bin/sh -c 'setsid sh -c "echo \$\$ > ` + grand + `.tmp && mv ` + grand + `.tmp ` + grand + `; exec sleep 1000" &'
while [ ! -s "` + grand + `" ]; do sleep 0.01; done`
	r := e.run(pipe("p", sh("spawn", script)))
	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("run %s: %s", r.Status, e.out.String())
	}
	pid, _ := strconv.Atoi(waitFile(t, grand))
	waitReaped(t, pid)
}

func TestRun_MlcdEnvironNotReadableByItsTasks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(pipe("p", sh("t", "true")))
	// As root (the test may run as root) nothing stops a task from reading
	// /proc/<mlcd>/environ; as another user, a process that is not dumpable
	// has its /proc files owned by root.
	dumpable, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil || dumpable != 0 {
		t.Errorf("after a run, PR_GET_DUMPABLE = %d, %v; want 0", dumpable, err)
	}
	fi, err := os.Stat("/proc/self/environ")
	if st, ok := fi.Sys().(*syscall.Stat_t); err != nil || !ok || st.Uid != 0 {
		t.Errorf("/proc/self/environ: %v, owner %+v; want root's", err, fi.Sys())
	}
}

func TestRun_ZombiesAdoptedFromOtherChildrenReaped(t *testing.T) {
	// Not parallel: another test's attempt would reap the zombie first.
	needCgroups(t)
	// A child of mlcd that is no task (a model server, say) leaves a
	// process that outlives it: mlcd, its subreaper, adopts it, and it
	// exits. Nobody else will ever wait for it.
	pidFile := filepath.Join(t.TempDir(), "orphan")
	server := exec.Command("sh", "-c", `sleep 0.05 & echo $! > "`+pidFile+`"`)
	server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := server.Run(); err != nil {
		t.Fatal(err)
	}
	orphan, _ := strconv.Atoi(waitFile(t, pidFile))
	deadline := time.Now().Add(10 * time.Second)
	for alive(orphan) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if gone(orphan) {
		t.Fatalf("process %d is not a zombie of this process: was it adopted?", orphan)
	}
	e := newEnv(t)
	e.run(pipe("p", sh("t", "true")))
	waitReaped(t, orphan)
}

func TestRun_TaskAfterKilledLeftoversRuns(t *testing.T) {
	// Not parallel: without other tests' attempts, the next attempt is
	// given the cgroup the first one's leftovers were killed in, were that
	// cgroup kept. Linux kills whatever starts in a cgroup once killed.
	needCgroups(t)
	e := newEnv(t)
	p := pipe("p", sh("leaves", `sleep 1000 > /dev/null 2>&1 &`), sh("next", "true", "leaves"), sh("last", "true", "next"))
	r := e.run(p, func(o *Options) { o.Jobs = 1 })
	want := map[string]string{"leaves": "success", "next": "success", "last": "success"}
	if diff := cmp.Diff(want, statuses(r)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s\n%s", diff, e.out.String())
	}
}

func TestRun_OrphanThatExitedIsReapedByTheEndOfTheRun(t *testing.T) {
	// Not parallel: another test's attempt given the same cgroup later
	// would reap the orphan too.
	needCgroups(t)
	e := newEnv(t)
	orphan := filepath.Join(t.TempDir(), "orphan")
	// The orphan leaves the task's group and session, its parent exits at
	// once, and it exits before the task does: a zombie whose parent is
	// mlcd, the subreaper, while the other tasks' processes exit and are
	// waited for around it.
	script := `(setsid sh -c 'echo $$ > "` + orphan + `.tmp" && mv "` + orphan + `.tmp" "` + orphan + `"' &)
while [ ! -s "` + orphan + `" ]; do sleep 0.01; done
pid=$(cat "` + orphan + `")
while [ -e /proc/$pid ] && ! grep -q ') Z' /proc/$pid/stat; do sleep 0.01; done`
	tasks := []*pipeline.Task{sh("orphans", script)}
	for i := range 20 {
		tasks = append(tasks, sh("t"+strconv.Itoa(i), "true"))
	}
	r := e.run(pipe("p", tasks...), func(o *Options) { o.Jobs = 2 })
	if r.Status != pipeline.StatusSuccess {
		t.Fatalf("run %s: %s", r.Status, e.out.String())
	}
	pid, _ := strconv.Atoi(waitFile(t, orphan))
	if !gone(pid) {
		t.Errorf("process %d, an orphan of a task that exited before it, is still a zombie of this process after the run", pid)
	}
}

func TestSiginfoPID(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	if got := siginfoPID(&info); got != cmd.Process.Pid {
		t.Errorf("siginfoPID = %d, want %d", got, cmd.Process.Pid)
	}
}

func TestRun_OrphanLeftToAnotherAttemptsEndIsReapedThere(t *testing.T) {
	// Not parallel: the attempt below must be the only one besides the
	// run's, so that its exited process is the first zombie the run's
	// cleanup sees.
	needCgroups(t)
	r := processReaper(nil)
	// Another attempt, whose process has exited and is not yet waited for:
	// the run's cleanup leaves the orphans it sees to this attempt's end.
	other := exec.Command("true")
	other.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	g, err := r.newGroup()
	if err != nil {
		t.Fatal(err)
	}
	g.attach(other.SysProcAttr)
	if err := r.start(g, other); err != nil {
		t.Fatal(err)
	}
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, other.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	grand := filepath.Join(t.TempDir(), "grandchild")
	script := `setsid sh -c 'echo $$ > "` + grand + `.tmp" && mv "` + grand + `.tmp" "` + grand + `"; exec sleep 1000' &
while [ ! -s "` + grand + `" ]; do sleep 0.01; done`
	if run := e.run(pipe("p", sh("spawn", script))); run.Status != pipeline.StatusSuccess {
		t.Fatalf("run %s: %s", run.Status, e.out.String())
	}
	pid, _ := strconv.Atoi(waitFile(t, grand))
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) && time.Now().Before(deadline) { // killed with its task's cgroup
		time.Sleep(5 * time.Millisecond)
	}
	if err := other.Wait(); err != nil {
		t.Fatal(err)
	}
	r.cleanup(g, nil)
	if !gone(pid) {
		t.Errorf("process %d, killed with its task, is still a zombie of this process after the next attempt ended", pid)
	}
}
