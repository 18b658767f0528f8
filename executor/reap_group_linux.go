package executor

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// attemptGroup is the cgroup of one attempt.
type attemptGroup struct {
	dir string   // its folder
	rel string   // as /proc/<pid>/cgroup shows it
	fd  *os.File // the folder, open for clone3
}

// newGroup makes the cgroup of one attempt; nil without cgroups.
func (r *reaper) newGroup() (*attemptGroup, error) {
	if r.base == "" {
		return nil, nil
	}
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
	fd, err := os.Open(dir)
	if err != nil {
		os.Remove(dir)
		return nil, fmt.Errorf("task cgroup: %w", err)
	}
	return &attemptGroup{dir: dir, rel: path.Join(r.rel, name), fd: fd}, nil
}

// attach makes the process that a are the attributes of start in g, and
// get SIGKILL when mlcd (the thread that started it) dies.
func (g *attemptGroup) attach(a *syscall.SysProcAttr) {
	a.Pdeathsig = syscall.SIGKILL
	if g != nil {
		a.UseCgroupFD, a.CgroupFD = true, int(g.fd.Fd())
	}
}

// cleanup kills every process the attempt left, reaps those that became
// this process's children, and removes the attempt's cgroup. env is the
// attempt's environment, which finds its processes without cgroups.
func (r *reaper) cleanup(g *attemptGroup, env []string) {
	if g == nil {
		killMarked(markerOf(env))
		return
	}
	defer g.fd.Close()
	if populated(g.dir) { // most tasks leave nothing behind
		if err := os.WriteFile(filepath.Join(g.dir, "cgroup.kill"), []byte("1"), 0); err != nil {
			killPIDs(g.dir) // a kernel before 5.14: one by one
		}
		// Cleanup runs after the attempt, cancelled or not, so these short
		// bounded waits for the kernel take no context.
		deadline := time.Now().Add(10 * time.Second)
		for populated(g.dir) && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond) // SIGKILL takes effect in microseconds
		}
	}
	if zombieChild() {
		reapGroup(g.rel)
		reapAdopted()
	}
	for range 100 {
		if err := os.Remove(g.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// zombieChild reports whether any child of this process has exited and
// waits to be reaped, without reaping it. Without one there is nothing
// for the scans of /proc to find: they read every process's stat, which
// cost about 2 ms an attempt, a 200-task DAG's run three times over.
func zombieChild() bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	return err == nil && info.Signo != 0
}

// populated reports whether the cgroup dir still holds a live process.
func populated(dir string) bool {
	ev, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	return err == nil && bytes.Contains(ev, []byte("populated 1"))
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

// reapGroup waits for the zombies that are this process's children and
// were in the cgroup rel: orphans of the task, handed to mlcd as their
// subreaper. os/exec's own children are never in a task's cgroup once
// their Wait has returned, so none of theirs is taken.
func reapGroup(rel string) {
	self := os.Getpid()
	want := []byte("\n0::" + rel + "\n")
	for _, p := range childPIDs() {
		ppid, state, _, ok := procStat(p)
		if !ok || ppid != self || state != 'Z' {
			continue
		}
		cg, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cgroup")
		if err != nil || !bytes.Contains(append([]byte("\n"), cg...), want) {
			continue
		}
		var ws unix.WaitStatus
		_, _ = unix.Wait4(p, &ws, 0, nil)
	}
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
