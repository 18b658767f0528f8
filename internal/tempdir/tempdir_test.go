package tempdir

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/flock"
)

// A folder whose process was killed is removed by the next New with its
// prefix; the folders of live processes, and folders without the lock
// file, are left alone.
func TestNew_PrunesTheFoldersOfKilledProcesses(t *testing.T) {
	flockCmd, err := exec.LookPath("flock")
	if err != nil {
		t.Fatalf("flock(1), of util-linux, which every Debian has: %v", err)
	}
	parent := t.TempDir()
	mine, err := New(parent, "mlcd-x-")
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Remove()

	// Another process holds a folder, then is killed: no chance to clean.
	dead := filepath.Join(parent, "mlcd-x-dead")
	if err := os.Mkdir(dead, 0o755); err != nil {
		t.Fatal(err)
	}
	holder := exec.Command(flockCmd, "--no-fork", "-x", filepath.Join(dead, lockName), "sleep", "60")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if f, err := os.OpenFile(filepath.Join(dead, lockName), os.O_RDWR, 0); err == nil {
			ok, _ := flock.TryLock(f)
			f.Close()
			if !ok {
				break // held by flock(1)
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("flock(1) never took the lock")
		}
	}
	Prune(parent, "mlcd-x-")
	if _, err := os.Stat(dead); err != nil {
		t.Fatalf("the folder of a live process was removed: %v", err)
	}
	_ = holder.Process.Kill()
	_ = holder.Wait()

	foreign := filepath.Join(parent, "mlcd-x-foreign")
	if err := os.Mkdir(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(parent, "other-dead")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, lockName), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	next, err := New(parent, "mlcd-x-")
	if err != nil {
		t.Fatal(err)
	}
	defer next.Remove()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the killed process's folder is still there: %v", err)
	}
	for _, keep := range []string{mine.Path, next.Path, foreign, other} {
		if _, err := os.Stat(keep); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(keep), err)
		}
	}
	if err := mine.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mine.Path); !os.IsNotExist(err) {
		t.Errorf("Remove left %s: %v", mine.Path, err)
	}
}

// Processes making folders at once (198 Slurm jobs starting on one node)
// never remove each other's new folders.
func TestNew_ConcurrentNewNeverRemovesALiveFolder(t *testing.T) {
	parent := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				d, err := New(parent, "mlcd-c-")
				if err != nil {
					errs <- err
					return
				}
				if err := os.WriteFile(filepath.Join(d.Path, "out"), []byte("x"), 0o644); err != nil {
					errs <- fmt.Errorf("a live folder was removed: %w", err)
				}
				if err := d.Remove(); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
