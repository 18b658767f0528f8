package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The floor is what this machine's kernel takes to create and flush the
// files a full build wrote, with nothing rendered: the same folders, names
// and sizes, written by as many goroutines as there are cores, then one
// syncfs as the build does. On a small VM that cost is a large and
// changing part of a build (new page-cache pages, inode allocation), and
// the floor, measured in the same run, tells it apart from mlcd's work.

type floorResult struct {
	Files   int
	Bytes   int64
	Seconds float64
	User    float64
	Sys     float64
}

// spawnFloor writes the floor of site into to, in a child process.
func spawnFloor(site, to string) (floorResult, error) {
	self, err := os.Executable()
	if err != nil {
		return floorResult{}, err
	}
	cmd := exec.Command(self, "-floor", "-out", site, "-repo", to)
	cmd.Stderr = os.Stderr
	data, err := cmd.Output()
	if err != nil {
		return floorResult{}, fmt.Errorf("floor: %w", err)
	}
	var r floorResult
	if err := json.Unmarshal(data, &r); err != nil {
		return r, err
	}
	r.User, r.Sys = cmd.ProcessState.UserTime().Seconds(), cmd.ProcessState.SystemTime().Seconds()
	return r, nil
}

// childFloor lists site, then writes a file of each size under to.
func childFloor(site, to string) error {
	type file struct {
		rel  string
		size int64
	}
	var files []file
	var largest int64
	err := filepath.WalkDir(site, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(site, p)
		files = append(files, file{rel, fi.Size()})
		largest = max(largest, fi.Size())
		return nil
	})
	if err != nil {
		return err
	}
	content := make([]byte, largest)
	for i := range content {
		content[i] = "<p>mlcd</p>\n"[i%12]
	}
	t0 := time.Now()
	var (
		dirs  sync.Map
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		total int64
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	jobs := make(chan file)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for f := range jobs {
				p := filepath.Join(to, f.rel)
				if _, ok := dirs.Load(filepath.Dir(p)); !ok {
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						fail(err)
						continue
					}
					dirs.Store(filepath.Dir(p), true)
				}
				if err := os.WriteFile(p, content[:f.size], 0o644); err != nil {
					fail(err)
				}
			}
		})
	}
	for _, f := range files {
		jobs <- f
		total += f.size
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return first
	}
	d, err := os.Open(to)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(floorResult{Files: len(files), Bytes: total, Seconds: time.Since(t0).Seconds()})
}

// syncFS flushes the file system holding dir.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
