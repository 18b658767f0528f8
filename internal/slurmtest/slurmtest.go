package slurmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/mlcd-dev/mlcd/internal/freeport"
)

// Cluster is a running single-node cluster.
type Cluster struct {
	Dir  string // its folder: slurm.conf, state, spool, log
	Conf string // the path of its slurm.conf
	Node string // the node's name (the short host name)
	t    testing.TB
	ctld *daemon
	d    *daemon
}

// daemon is slurmctld or slurmd, running in the foreground as a child of
// the test.
type daemon struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed once it exited
	err  error         // how it exited, set before done is closed
}

// Env is what a command needs to talk to the cluster: SLURM_CONF.
func (c *Cluster) Env() []string { return []string{"SLURM_CONF=" + c.Conf} }

// Setenv points this process's Slurm commands at the cluster for the
// rest of the test (which therefore must not be parallel).
func (c *Cluster) Setenv(t testing.TB) {
	t.Helper()
	t.Setenv("SLURM_CONF", c.Conf)
}

// tools are the programs a cluster needs.
var tools = []string{"slurmctld", "slurmd", "sbatch", "scontrol", "scancel", "sinfo", "munged", "munge"}

// Require skips t when Slurm or munge is not installed or this process
// cannot run them as root, and fails it instead under CI=true.
func Require(t testing.TB) {
	t.Helper()
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	why := ""
	switch {
	case runtime.GOOS != "linux":
		why = "Slurm tests run on Linux"
	case len(missing) > 0:
		why = "not installed: " + strings.Join(missing, ", ") + " (apt-get install slurm-wlm munge)"
	case os.Geteuid() != 0:
		why = "the test cluster runs its daemons as root"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Slurm: %s", why)
	}
	t.Skipf("Slurm: %s", why)
}

// startAttempts bounds how often Start tries new ports.
const startAttempts = 3

// Start starts a cluster for t and stops it when t ends. slurm.conf names
// the daemons' ports, so they are picked free and released before the
// daemons listen on them; when another process took one meanwhile, the
// cluster starts again on other ports.
func Start(t testing.TB) *Cluster {
	t.Helper()
	Require(t)
	if err := startMunge(); err != nil {
		t.Fatalf("munge: %v", err)
	}
	dir := t.TempDir()
	c := &Cluster{Dir: dir, Conf: filepath.Join(dir, "slurm.conf"), t: t}
	t.Cleanup(c.stop)
	for attempt := 1; ; attempt++ {
		err := c.start()
		if err == nil {
			return c
		}
		logs := c.Logs()
		taken := errors.Is(err, errPortTaken) || strings.Contains(logs, "Address already in use")
		if attempt == startAttempts || !taken {
			t.Fatalf("slurm: %v\n%s", err, logs)
		}
		t.Logf("slurm: a port was taken before its daemon listened; starting again on others:\n%s", logs)
		c.stop()
	}
}

// start writes a fresh slurm.conf and state and starts the daemons.
func (c *Cluster) start() error {
	for _, sub := range []string{"state", "spool", "log"} {
		if err := os.RemoveAll(filepath.Join(c.Dir, sub)); err != nil {
			return err
		}
	}
	if err := c.writeConf(); err != nil {
		return err
	}
	var err error
	if c.ctld, err = c.daemon("slurmctld"); err != nil {
		return err
	}
	if c.d, err = c.daemon("slurmd"); err != nil {
		return err
	}
	return c.waitIdle(60 * time.Second)
}

// daemon starts name in the foreground as a child of the test.
func (c *Cluster) daemon(name string) (*daemon, error) {
	cmd := exec.Command(name, "-D", "-f", c.Conf)
	cmd.Env = append(os.Environ(), c.Env()...)
	cmd.Stdout, cmd.Stderr = nil, nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	d := &daemon{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// stop ends the daemons, slurmd first, and the jobs left to them.
func (c *Cluster) stop() {
	for _, d := range []*daemon{c.d, c.ctld} {
		if d == nil {
			continue
		}
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
		}
	}
	c.d, c.ctld = nil, nil
}

// Logs returns the daemons' logs, for a failure message.
func (c *Cluster) Logs() string {
	var b strings.Builder
	for _, name := range []string{"slurmctld.log", "slurmd.log"} {
		data, _ := os.ReadFile(filepath.Join(c.Dir, "log", name))
		if len(data) > 4000 {
			data = data[len(data)-4000:]
		}
		fmt.Fprintf(&b, "--- %s\n%s\n", name, data)
	}
	return b.String()
}

// waitIdle waits for sinfo to show the node idle; a daemon that exits
// (it could not listen, say) ends the wait.
func (c *Cluster) waitIdle(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		for _, d := range []*daemon{c.ctld, c.d} {
			select {
			case <-d.done:
				return fmt.Errorf("%s exited: %v", d.name, d.err)
			default:
			}
		}
		cmd := exec.Command("sinfo", "-h", "-o", "%t")
		cmd.Env = append(os.Environ(), c.Env()...)
		out, err := cmd.CombinedOutput()
		last = strings.TrimSpace(string(out))
		if err == nil && last == "idle" {
			err := c.checkOwnController()
			if err == nil || errors.Is(err, errPortTaken) {
				return err
			}
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("node not idle after %s (sinfo: %q)", limit, last)
}

// errPortTaken is why a cluster starts again on other ports.
var errPortTaken = errors.New("a port was taken")

// checkOwnController makes sure the slurmctld that answers on the
// cluster's port reads the cluster's slurm.conf. Another test binary's
// cluster may have got the port between the pick and slurmctld's start:
// then it answers sinfo (same munge key, same node) while this cluster's
// slurmctld could not listen. A Slurm whose scontrol does not name the
// file cannot tell, and passes.
func (c *Cluster) checkOwnController() error {
	cmd := exec.Command("scontrol", "show", "config")
	cmd.Env = append(os.Environ(), c.Env()...)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("scontrol show config: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if name, value, ok := strings.Cut(line, "="); ok && strings.TrimSpace(name) == "SLURM_CONF" {
			if conf := strings.TrimSpace(value); conf != c.Conf {
				return fmt.Errorf("%w: the slurmctld on its port reads %s, not %s", errPortTaken, conf, c.Conf)
			}
			return nil
		}
	}
	return nil
}

// Command runs a Slurm command against the cluster and returns its output.
func (c *Cluster) Command(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), c.Env()...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}

// startMunge starts munged unless one answers already.
func startMunge() error {
	if mungeWorks() {
		return nil
	}
	if err := os.MkdirAll("/run/munge", 0o755); err != nil {
		return err
	}
	if out, err := exec.Command("chown", "munge:munge", "/run/munge").CombinedOutput(); err != nil {
		return fmt.Errorf("chown /run/munge: %w: %s", err, out)
	}
	// Test binaries of other packages may start munged at the same time:
	// then one munged holds the lock and the others exit with an error,
	// before the first answers. Whichever started, wait for it to answer.
	// The wait ends as soon as it does; its bound only decides when to
	// give up, so it is generous for a loaded machine.
	out, err := exec.Command("munged", "--force").CombinedOutput()
	for deadline := time.Now().Add(mungeLimit); time.Now().Before(deadline); {
		if mungeWorks() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("munged: %w: %s", err, out)
	}
	return fmt.Errorf("munged started but does not answer within %s", mungeLimit)
}

// mungeLimit is how long startMunge waits for munged to answer.
const mungeLimit = 30 * time.Second

func mungeWorks() bool {
	return exec.Command("munge", "-n").Run() == nil
}

var confTemplate = template.Must(template.New("slurm.conf").Parse(`ClusterName=mlcdtest
SlurmctldHost={{.Node}}
SlurmctldPort={{.CtldPort}}
SlurmdPort={{.DPort}}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={{.Dir}}/state
SlurmdSpoolDir={{.Dir}}/spool
SlurmctldPidFile={{.Dir}}/slurmctld.pid
SlurmdPidFile={{.Dir}}/slurmd.pid
SlurmctldLogFile={{.Dir}}/log/slurmctld.log
SlurmdLogFile={{.Dir}}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=0,batch_sched_delay=0,default_queue_depth=1000
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
NodeName={{.Node}} CPUs={{.CPUs}} RealMemory={{.MemMiB}} State=UNKNOWN
PartitionName=debug Nodes={{.Node}} Default=YES MaxTime=INFINITE State=UP
`))

func (c *Cluster) writeConf() error {
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	c.Node, _, _ = strings.Cut(host, ".")
	for _, sub := range []string{"state", "spool", "log"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, sub), 0o755); err != nil {
			return err
		}
	}
	ports, err := pickPorts(2)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	err = confTemplate.Execute(&b, map[string]any{
		"Node": c.Node, "Dir": c.Dir, "CtldPort": ports[0], "DPort": ports[1],
		"CPUs": runtime.NumCPU(), "MemMiB": memMiB() * 9 / 10,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(c.Conf, b.Bytes(), 0o644)
}

// pickPorts picks the daemons' ports: freeport.PickN, or in a test ports
// another process holds.
var pickPorts = freeport.PickN

// memMiB is the machine's memory, from /proc/meminfo; 1024 when unknown.
func memMiB() int {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 1024
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			if kb, err := strconv.Atoi(f[1]); err == nil {
				return kb / 1024
			}
		}
	}
	return 1024
}
