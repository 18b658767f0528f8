package executor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// attemptGroup is the cgroup of one attempt.
type attemptGroup struct {
	dir    string   // its folder
	rel    string   // as /proc/<pid>/cgroup shows it
	fd     *os.File // the folder, open for clone3
	events *os.File // its cgroup.events, read again at each attempt's end
	leader int      // the attempt's own process, once started
}

// maxIdleGroups bounds the emptied cgroups kept for later attempts.
const maxIdleGroups = 64

// newGroup returns the cgroup of one attempt; nil without cgroups. A
// cgroup an earlier attempt left empty is used again: making and removing
// one is most of what an attempt of a no-op task costs the kernel.
func (r *reaper) newGroup() (*attemptGroup, error) {
	if r.base == "" {
		return nil, nil
	}
	r.mu.Lock()
	if n := len(r.idle); n > 0 {
		g := r.idle[n-1]
		r.idle = r.idle[:n-1]
		r.mu.Unlock()
		return g, nil
	}
	r.mu.Unlock()
	var name, dir string
	for {
		// A folder of an earlier mlcd with the same pid may still be there.
		name = "a" + strconv.FormatInt(r.seq.Add(1), 10)
		dir = filepath.Join(r.base, name)
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("task cgroup: %w", err)
		}
	}
	g := &attemptGroup{dir: dir, rel: path.Join(r.rel, name)}
	var err error
	if g.fd, err = os.Open(dir); err == nil {
		if g.events, err = os.Open(filepath.Join(dir, "cgroup.events")); err != nil {
			g.fd.Close()
		}
	}
	if err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("task cgroup: %w", err)
	}
	return g, nil
}

// attach makes the process that a are the attributes of start in g, and
// get SIGKILL when mlcd (the thread that started it) dies.
func (g *attemptGroup) attach(a *syscall.SysProcAttr) {
	a.Pdeathsig = syscall.SIGKILL
	if g != nil {
		a.UseCgroupFD, a.CgroupFD = true, int(g.fd.Fd())
	}
}

// start starts cmd, which attach put in g, and remembers its process
// until cleanup: its exit is os/exec's to wait for, not the reaper's.
func (r *reaper) start(g *attemptGroup, cmd *exec.Cmd) error {
	if g == nil {
		return cmd.Start()
	}
	r.mu.Lock()
	r.starting++
	r.mu.Unlock()
	err := cmd.Start()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starting--
	if err != nil {
		return err
	}
	g.leader = cmd.Process.Pid
	if r.live == nil {
		r.live = map[int]bool{}
	}
	r.live[g.leader] = true
	return nil
}

// cleanup kills every process the attempt left, reaps those that became
// this process's children, and keeps the attempt's emptied cgroup for a
// later attempt. env is the attempt's environment, which finds its
// processes without cgroups. The attempt's own process must have been
// waited for.
func (r *reaper) cleanup(g *attemptGroup, env []string) {
	if g == nil {
		killMarked(markerOf(env))
		return
	}
	r.mu.Lock()
	delete(r.live, g.leader)
	r.mu.Unlock()
	g.leader = 0
	populated, err := g.populated()
	clean := err == nil && !populated // then g can serve another attempt
	if populated {                    // most tasks leave nothing behind
		if err := os.WriteFile(filepath.Join(g.dir, "cgroup.kill"), []byte("1"), 0); err != nil {
			killPIDs(g.dir) // a kernel before 5.14: one by one
		}
		// Cleanup runs after the attempt, cancelled or not, so these short
		// bounded waits for the kernel take no context.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if populated, err = g.populated(); !populated || err != nil {
				break
			}
			time.Sleep(2 * time.Millisecond) // SIGKILL takes effect in microseconds
		}
	}
	if r.orphanZombie() {
		r.reapOrphans(g.rel)
		reapAdopted()
	}
	r.release(g, clean)
}

// release keeps g for the next attempt when its attempt left it empty,
// or removes it. A cgroup that cgroup.kill was written to is not used
// again: Linux (6.18 at least) kills every process later started into it.
func (r *reaper) release(g *attemptGroup, clean bool) {
	if clean {
		r.mu.Lock()
		keep := len(r.idle) < maxIdleGroups
		if keep {
			r.idle = append(r.idle, g)
		}
		r.mu.Unlock()
		if keep {
			return
		}
	}
	g.fd.Close()
	g.events.Close()
	for range 100 {
		if err := os.Remove(g.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// orphanZombie reports whether a child of this process has exited and
// waits to be reaped (without reaping it) that may be an orphan. Without
// one there is nothing for the scans of /proc to find: they read every
// child's stat, which cost about 2 ms an attempt, a 200-task DAG's run
// three times over. A zombie that is another attempt's own process, which
// os/exec has yet to wait for, is no orphan; nor, maybe, is any zombie
// while an attempt is starting its process (its pid is not known yet):
// then the cleanup of that other attempt, which follows its wait, looks
// again, and reaps the orphans of every attempt (reapOrphans). So an
// orphan waits at most until the cleanup of the last attempt running when
// it exited.
func (r *reaper) orphanZombie() bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err != nil || info.Signo == 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.starting == 0 && !r.live[siginfoPID(&info)]
}

// siginfoPID is si_pid of a SIGCHLD's siginfo, the first field of the union
// that follows si_signo, si_errno and si_code, aligned as a pointer is.
func siginfoPID(info *unix.Siginfo) int {
	const ptr = unsafe.Sizeof(uintptr(0))
	off := (3*unsafe.Sizeof(int32(0)) + ptr - 1) &^ (ptr - 1)
	return int(*(*int32)(unsafe.Add(unsafe.Pointer(info), off)))
}

// populated reports whether the cgroup still holds a live process.
func (g *attemptGroup) populated() (bool, error) {
	var buf [128]byte
	n, err := g.events.ReadAt(buf[:], 0) // a read from 0 shows the state now
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return bytes.Contains(buf[:n], []byte("populated 1")), nil
}

// killPIDs sends SIGKILL to every process of the cgroup dir, until none
// is left to find.
func killPIDs(dir string) {
	for range 100 {
		procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		pids := strings.Fields(string(procs))
		if err != nil || len(pids) == 0 {
			return
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(time.Millisecond)
	}
}

// reapOrphans waits for the zombies that are this process's children and
// were in the attempt cgroup own: orphans of the task, handed to mlcd as
// their subreaper; and, unless an attempt is starting its process, for
// those in the cgroups of other attempts, which an earlier cleanup left
// (orphanZombie) to this one. os/exec's own children are never in a task's
// cgroup once their Wait has returned, and those it is waiting for are
// the live ones, so none of theirs is taken. The scan holds r.mu: no
// attempt starts meanwhile.
func (r *reaper) reapOrphans(own string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	self := os.Getpid()
	for _, p := range childPIDs() {
		ppid, state, _, ok := procStat(p)
		if !ok || ppid != self || state != 'Z' || r.live[p] {
			continue
		}
		cg, ok := cgroupOf(p)
		if !ok || cg != own && (r.starting > 0 || !strings.HasPrefix(cg, r.rel+"/")) {
			continue
		}
		var ws unix.WaitStatus
		_, _ = unix.Wait4(p, &ws, 0, nil)
	}
}

// cgroupOf is the cgroup v2 path of process pid.
func cgroupOf(pid int) (string, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", false
	}
	for line := range strings.Lines(string(data)) {
		if p, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "0::"); ok {
			return p, true
		}
	}
	return "", false
}

// childPIDs lists this process's children, from each thread's
// /proc/self/task/<tid>/children (a handful of reads, where a walk of
// /proc reads every process of the machine); the whole of /proc when the
// kernel does not keep those lists.
func childPIDs() []int {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return procEntries()
	}
	var pids []int
	for _, t := range tasks {
		data, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if err != nil {
			return procEntries()
		}
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// procEntries lists the process ids in /proc.
func procEntries() []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat returns the parent, state and process group of process pid.
func procStat(pid int) (ppid int, state byte, pgrp int, ok bool) {
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	i := bytes.LastIndexByte(st, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := strings.Fields(string(st[i+1:]))
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	return ppid, f[0][0], pgrp, err1 == nil && err2 == nil
}

// reapAdopted reaps the zombies that other children of mlcd (a model
// server's workers, say) left to it as their subreaper. A child mlcd
// started itself leads its own process group (Setpgid) or is in mlcd's;
// an adopted one is in the group of the process that started it, so
// nobody else will wait for it.
func reapAdopted() {
	self, own := os.Getpid(), syscall.Getpgrp()
	for _, p := range childPIDs() {
		ppid, state, pgrp, ok := procStat(p)
		if !ok || ppid != self || state != 'Z' || pgrp == p || pgrp == own {
			continue
		}
		var ws unix.WaitStatus
		_, _ = unix.Wait4(p, &ws, unix.WNOHANG, nil)
	}
}

// markerOf is what identifies an attempt's processes in their environment.
func markerOf(env []string) []string {
	var m []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name == EnvRunID || name == EnvTask || name == EnvAttempt {
			m = append(m, kv)
		}
	}
	return m
}

// killMarked sends SIGKILL to every process whose environment holds all
// of marker: what an attempt left when there is no cgroup to kill. A
// process that cleared its environment is not found.
func killMarked(marker []string) {
	if len(marker) != 3 {
		return
	}
	self := os.Getpid()
	for _, p := range procEntries() {
		if p == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/environ")
		if err != nil {
			continue
		}
		vars := bytes.Split(env, []byte{0})
		found := 0
		for _, m := range marker {
			for _, v := range vars {
				if string(v) == m {
					found++
					break
				}
			}
		}
		if found == len(marker) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
}
