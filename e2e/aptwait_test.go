package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeAptGet puts an apt-get on PATH that fails as a held dpkg lock makes
// it fail, busy times, then succeeds.
func fakeAptGet(t *testing.T, busy int) []string {
	t.Helper()
	bin := t.TempDir()
	count := filepath.Join(t.TempDir(), "count")
	script := `#!/bin/sh
n=$(cat "` + count + `" 2>/dev/null || echo 0)
echo $((n + 1)) > "` + count + `"
if [ "$n" -lt ` + strconv.Itoa(busy) + ` ]; then
	echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2
	exit 100
fi
echo "installed $*"
`
	if err := os.WriteFile(filepath.Join(bin, "apt-get"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "APT_LOCK_POLL=0.1")
}

// scripts/apt-get-wait.sh waits for a held package lock, says so, and
// gives up with apt's message after APT_LOCK_WAIT seconds.
func TestAptGetWait(t *testing.T) {
	script, err := filepath.Abs(filepath.Join("..", "scripts", "apt-get-wait.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, "install", "-y", "python3-sklearn")
	cmd.Env = fakeAptGet(t, 2)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "installed -o DPkg::Lock::Timeout=") ||
		!strings.Contains(string(out), "holds the package lock; waiting up to 600s") {
		t.Errorf("a lock held twice: %v\n%s", err, out)
	}

	cmd = exec.Command(script, "update")
	cmd.Env = append(fakeAptGet(t, 1<<20), "APT_LOCK_WAIT=1") // never released, however fast the machine polls
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Could not get lock") || !strings.Contains(string(out), "still held after 1s") {
		t.Errorf("a lock never released: %v\n%s", err, out)
	}
}
