package executor

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// A task can leave processes that escaped its process group (setsid, a
// double fork): the group kill at the end of an attempt misses them, and
// they outlive the task and mlcd itself. On Linux, when a cgroup v2
// hierarchy is writable (as root, or in a delegated subtree), every
// attempt starts inside a cgroup of its own (clone3 CLONE_INTO_CGROUP: no
// instant outside it), and no descendant can leave it. When the attempt
// ends, the cgroup is killed whole (cgroup.kill), or, left empty, serves a
// later attempt; mlcd is a child subreaper, so the orphans of the task are
// its children, not those of an init that may never reap them, and it
// reaps them. A watchdog process reads a pipe that only mlcd holds open:
// when mlcd dies, even by SIGKILL, the pipe closes and the watchdog kills
// every task cgroup of this mlcd.
// Without cgroups, the processes that still carry the attempt's protocol
// variables (MLCD_RUN_ID, MLCD_TASK, MLCD_ATTEMPT) are found in /proc and
// killed, and the task's own process dies with mlcd (Pdeathsig).

// reaper finds and kills what the attempts of this process leave behind.
type reaper struct {
	base  string // cgroup folder of this process's attempts; "" without cgroups
	rel   string // base as /proc/<pid>/cgroup shows it
	seq   atomic.Int64
	guard *os.File // write end of the watchdog's pipe: closed when mlcd dies

	mu       sync.Mutex
	idle     []*attemptGroup // emptied cgroups, for the next attempts
	live     map[int]bool    // attempts' own processes, started and not yet waited for
	starting int             // attempts starting their process, whose pid is not known yet
}

var (
	reaperOnce sync.Once
	theReaper  *reaper
)

// processReaper returns the reaper of this process, set up on first use.
func processReaper(log *slog.Logger) *reaper {
	reaperOnce.Do(func() {
		var err error
		if theReaper, err = newReaper(); err != nil && log != nil {
			log.Debug("leftover processes found by their environment: no task cgroups", "err", err)
		}
	})
	return theReaper
}

func newReaper() (*reaper, error) {
	mount, own, err := cgroup2Place()
	if err != nil {
		return &reaper{}, err
	}
	name := fmt.Sprintf("mlcd-%d", os.Getpid())
	base := filepath.Join(mount, own, name)
	if err := os.Mkdir(base, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return &reaper{}, err
	}
	r := &reaper{base: base, rel: path.Join(own, name)}
	// The watchdog first: from here on, however mlcd ends, it cleans up.
	if r.guard, err = startWatchdog(base); err != nil {
		os.Remove(base)
		return &reaper{}, err
	}
	if err := r.probe(); err != nil {
		r.guard.Close() // the watchdog removes base
		return &reaper{}, err
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		r.guard.Close()
		return &reaper{}, fmt.Errorf("child subreaper: %w", err)
	}
	return r, nil
}

// cgroup2Place returns where the cgroup v2 hierarchy is mounted and this
// process's cgroup in it.
func cgroup2Place() (mount, own string, err error) {
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", "", err
	}
	for line := range strings.Lines(string(info)) {
		pre, post, ok := strings.Cut(line, " - ")
		if f := strings.Fields(pre); ok && strings.HasPrefix(post, "cgroup2 ") && len(f) > 4 {
			mount = f[4]
			break
		}
	}
	if mount == "" {
		return "", "", errors.New("no cgroup2 file system")
	}
	cg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", "", err
	}
	for line := range strings.Lines(string(cg)) {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "0::"); ok {
			return mount, p, nil
		}
	}
	return "", "", errors.New("no cgroup v2 entry in /proc/self/cgroup")
}

// probe starts one process into a cgroup, as every attempt will be.
func (r *reaper) probe() error {
	g, err := r.newGroup()
	if err != nil {
		return err
	}
	defer r.cleanup(g, nil)
	cmd := exec.Command("sh", "-c", ":")
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	g.attach(cmd.SysProcAttr)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("start a process in a cgroup: %w", err)
	}
	return nil
}

// startWatchdog starts the process that kills base's cgroups when the pipe
// it reads closes: when this process ends, however it ends. The write end
// is close-on-exec, so no task holds it.
func startWatchdog(base string) (*os.File, error) {
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	const script = `read _ ; echo 1 > "$1/cgroup.kill"; i=0
while [ $i -lt 100 ]; do rmdir "$1"/*/ 2>/dev/null; rmdir "$1" 2>/dev/null && exit 0; sleep 0.1; i=$((i+1)); done`
	cmd := exec.Command("sh", "-c", script, "mlcd-watchdog", base)
	cmd.Stdin = rd
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		wr.Close()
		return nil, fmt.Errorf("start watchdog: %w", err)
	}
	go func() { _ = cmd.Wait() }() // it ends with mlcd; if killed before, no zombie
	return wr, nil
}

// TasksInCgroups reports whether each attempt runs in a cgroup of its own
// (Linux with a writable cgroup v2 hierarchy). Only then are descendants
// that cleared their environment killed when the attempt ends, and every
// descendant killed when mlcd dies.
func TasksInCgroups() bool { return processReaper(nil).base != "" }
