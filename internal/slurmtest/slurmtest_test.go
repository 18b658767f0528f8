package slurmtest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/freeport"
)

// A job chain runs on the cluster: the harness is enough for sbatch
// dependencies, and a job whose dependency fails is cancelled.
func TestStart_RunsAChain(t *testing.T) {
	c := Start(t)
	ctx := context.Background()
	first, err := c.Command(ctx, "sbatch", "--parsable", "--output=/dev/null", "--wrap", "true")
	if err != nil {
		t.Fatal(err)
	}
	first = strings.TrimSpace(first)
	bad, err := c.Command(ctx, "sbatch", "--parsable", "--output=/dev/null", "-d", "afterok:"+first, "--wrap", "false")
	if err != nil {
		t.Fatal(err)
	}
	bad = strings.TrimSpace(bad)
	never, err := c.Command(ctx, "sbatch", "--parsable", "--output=/dev/null", "-d", "afterok:"+bad, "--wrap", "true")
	if err != nil {
		t.Fatal(err)
	}
	never = strings.TrimSpace(never)
	want := map[string]string{first: "COMPLETED", bad: "FAILED", never: "CANCELLED"}
	deadline := time.Now().Add(2 * time.Minute)
	for id, state := range want {
		for {
			out, _ := c.Command(ctx, "scontrol", "-o", "show", "job", id)
			if strings.Contains(out, "JobState="+state) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s: %s, want %s\n%s", id, out, state, c.Logs())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// Two test binaries start munged at once: the munged of the second exits
// with an error (the first holds the lock) before the first answers. The
// second waits for the first instead of failing. Fake munged and munge
// commands play it: munged fails at once while "the other" becomes ready
// a moment later.
func TestStartMunge_WaitsForAMungedAnotherTestStarted(t *testing.T) {
	Require(t)
	bin := t.TempDir()
	ready := filepath.Join(t.TempDir(), "ready")
	scripts := map[string]string{
		"munged": "#!/bin/sh\n(sleep 0.5; touch '" + ready + "') >/dev/null 2>&1 &\necho 'munged: Error: Failed to lock' >&2\nexit 1\n",
		"munge":  "#!/bin/sh\ntest -e '" + ready + "'\n",
	}
	for name, script := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := startMunge(); err != nil {
		t.Fatalf("startMunge while another munged starts: %v", err)
	}
}

// Another process takes slurmctld's port between the pick and the
// daemon's start: slurmctld cannot listen and exits, and Start starts the
// cluster again on other ports. Here the first pick is a port this test
// holds.
func TestStart_AgainWhenAPortWasTaken(t *testing.T) {
	Require(t)
	held, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	picks := 0
	pickPorts = func(n int) ([]int, error) {
		picks++
		ports, err := freeport.PickN(n)
		if picks == 1 && err == nil {
			ports[0] = held.Addr().(*net.TCPAddr).Port
		}
		return ports, err
	}
	t.Cleanup(func() { pickPorts = freeport.PickN })
	c := Start(t)
	if picks < 2 {
		t.Fatalf("the cluster started on a port another process held (%d picks)", picks)
	}
	if out, err := c.Command(context.Background(), "sinfo", "-h", "-o", "%t"); err != nil || strings.TrimSpace(out) != "idle" {
		t.Errorf("sinfo after the second start: %q, %v", out, err)
	}
}

// The process that took slurmctld's port is another test binary's
// slurmctld: it answers sinfo for the same node, and Start must not take
// that cluster for its own.
func TestStart_AgainWhenAnotherClusterTookThePort(t *testing.T) {
	other := Start(t)
	port := confValue(t, other.Conf, "SlurmctldPort")
	picks := 0
	pickPorts = func(n int) ([]int, error) {
		picks++
		ports, err := freeport.PickN(n)
		if picks == 1 && err == nil {
			ports[0] = port
		}
		return ports, err
	}
	t.Cleanup(func() { pickPorts = freeport.PickN })
	c := Start(t)
	if picks < 2 || confValue(t, c.Conf, "SlurmctldPort") == port {
		t.Fatalf("the cluster is the one on port %d, another cluster's (%d picks)", port, picks)
	}
	if err := c.checkOwnController(); err != nil {
		t.Error(err)
	}
}

// confValue is the number slurm.conf sets key to.
func confValue(t *testing.T, conf, key string) int {
	t.Helper()
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+"="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s: %s=%q: %v", conf, key, v, err)
			}
			return n
		}
	}
	t.Fatalf("%s sets no %s", conf, key)
	return 0
}
