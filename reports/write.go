package reports

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Pages are derived data: the repository can always render them again.
// So each page is written atomically (a temporary file renamed over the
// old one: a reader never sees half a page) but not fsynced one by one —
// with 20,000 pages that fsync, not rendering, was most of a full build.
// Durability comes once per build: syncSite flushes the site's file
// system, and only then is the manifest renamed into place.
// After a crash, a page that did not reach the disk has a manifest entry
// from the build before, whose hash differs from its inputs, so the next
// build writes it again.

// siteWriter writes the pages of one build. A page the site's manifest
// does not know yet (fresh) is written in place: no reader has an older
// copy to keep, and a page cut short by a crash has no manifest entry, so
// the next build writes it again. A known page goes through a temporary
// file and a rename. Temporary names carry the process id and a random
// token, so they are unique without O_EXCL (several times slower than
// O_TRUNC on some file systems), and folders already made are remembered.
// Every path is relative to the site folder and goes through its os.Root:
// a symlink in the site (committed with it, or a page name from a
// manifest with "..") cannot make a build write or delete outside it.
type siteWriter struct {
	root   *os.Root
	suffix string
	// dirs holds an os.Root of each folder pages went to (folder ->
	// *os.Root), opened through root. A page is then created, renamed or
	// removed by one system call on its name: through root, each call
	// opened and closed every folder on the page's path again, tens of
	// thousands of calls in a full build.
	dirs sync.Map
	// createMu lets one worker create a file at a time. The kernel
	// serializes creations in a folder anyway, and on a small VM the other
	// workers spun on its lock: a profile of a 10,000-run build showed a
	// third less CPU in open(2) with them waiting here, rendering meanwhile.
	createMu sync.Mutex
}

func newSiteWriter(root *os.Root) *siteWriter {
	var token [6]byte
	_, _ = rand.Read(token[:])
	return &siteWriter{root: root, suffix: fmt.Sprintf(".tmp-%d-%x", os.Getpid(), token)}
}

// writePage writes data to path, relative to the site folder.
func (w *siteWriter) writePage(path string, data []byte, fresh bool) error {
	return w.writeFrom(path, fresh, func(f io.Writer) error {
		_, err := f.Write(data)
		return err
	})
}

// copyPage copies the file src to path without holding it in memory
// (task logs can be large).
func (w *siteWriter) copyPage(path, src string, fresh bool) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	defer in.Close()
	return w.writeFrom(path, fresh, func(f io.Writer) error {
		_, err := io.Copy(f, in)
		return err
	})
}

func (w *siteWriter) writeFrom(path string, fresh bool, fill func(w io.Writer) error) (err error) {
	dir, name := filepath.Split(path)
	d, err := w.dir(filepath.Clean(dir))
	if err != nil {
		return err
	}
	tmp := name
	if !fresh {
		tmp = "." + name + w.suffix
	}
	w.createMu.Lock()
	f, err := d.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	w.createMu.Unlock()
	if err != nil {
		return fmt.Errorf("create %s: %w", filepath.Join(dir, tmp), err)
	}
	defer func() {
		if err != nil {
			f.Close()
			d.Remove(tmp)
		}
	}()
	if err := fill(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if tmp != name {
		if err := d.Rename(tmp, name); err != nil {
			return fmt.Errorf("rename into place: %w", err)
		}
	}
	return nil
}

// dir returns the os.Root of the site's folder dir, made if missing.
func (w *siteWriter) dir(dir string) (*os.Root, error) {
	if dir == "." {
		return w.root, nil
	}
	if d, ok := w.dirs.Load(dir); ok {
		return d.(*os.Root), nil
	}
	if err := w.root.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	d, err := w.root.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open directory: %w", err)
	}
	if old, loaded := w.dirs.LoadOrStore(dir, d); loaded { // another worker was first
		d.Close()
		return old.(*os.Root), nil
	}
	return d, nil
}

// close closes the folders' roots; the writer must not be used after.
func (w *siteWriter) close() {
	w.dirs.Range(func(k, d any) bool {
		d.(*os.Root).Close()
		w.dirs.Delete(k)
		return true
	})
}

// fewFiles is the most pages flushed one by one; past it, syncfs flushes
// the whole file system at once, which is cheaper for many files but
// waits for every other writer's data too.
const fewFiles = 64

// syncSite flushes the pages written in this build (paths relative to
// the site folder root) to disk.
func syncSite(root *os.Root, written []string) error {
	if len(written) > fewFiles {
		d, err := root.Open(".")
		if err != nil {
			return fmt.Errorf("open site: %w", err)
		}
		defer d.Close()
		if err := unix.Syncfs(int(d.Fd())); err != nil {
			return fmt.Errorf("sync site: %w", err)
		}
		return nil
	}
	dirs := map[string]bool{}
	for _, p := range written {
		if err := syncPath(root, p); err != nil {
			return err
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := syncPath(root, d); err != nil {
			return err
		}
	}
	return nil
}

func syncPath(root *os.Root, p string) error {
	f, err := root.Open(p)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	return nil
}

// flushAsYouGo starts flushing the site's file system every interval
// while a build writes, so that the flush before the manifest (syncSite)
// finds little left to wait for: on a full build of 10,000 runs that
// final wait was a second of doing nothing. Like syncSite, it flushes the
// whole file system only once many pages are written (many() says so);
// a build of a few pages waits for nothing else's data. stop ends it and
// waits; it may be called more than once.
func flushAsYouGo(root *os.Root, interval time.Duration, many func() bool) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		d, err := root.Open(".")
		if err != nil {
			return // syncSite reports it
		}
		defer d.Close()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if many() {
					_ = unix.Syncfs(int(d.Fd()))
				}
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}
