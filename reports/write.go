package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Pages are derived data: the repository can always render them again.
// So each page is written atomically (a temporary file renamed over the
// old one: a reader never sees half a page) but not fsynced one by one —
// with 20,000 pages that fsync, not rendering, was most of a full build.
// Durability comes once per build: syncSite flushes the site's file
// system, and only then is the manifest written (atomicfile, fsynced).
// After a crash, a page that did not reach the disk has a manifest entry
// from the build before, whose hash differs from its inputs, so the next
// build writes it again.

// writePage writes data to path through a temporary file and a rename.
func writePage(path string, data []byte) error {
	return writeFrom(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// copyPage copies the file src to path through a temporary file and a
// rename, without holding it in memory (task logs can be large).
func copyPage(path, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	defer in.Close()
	return writeFrom(path, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

func writeFrom(path string, fill func(w io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := fill(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return nil
}

// fewFiles is the most pages flushed one by one; past it, syncfs flushes
// the whole file system at once, which is cheaper for many files but
// waits for every other writer's data too.
const fewFiles = 64

// syncSite flushes the pages written in this build to disk.
func syncSite(dir string, written []string) error {
	if len(written) > fewFiles {
		d, err := os.Open(dir)
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
		if err := syncPath(p); err != nil {
			return err
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := syncPath(d); err != nil {
			return err
		}
	}
	return nil
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	return nil
}
