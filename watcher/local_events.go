package watcher

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// handle records one fsnotify event; it reports whether the batch grew.
func (r *localRun) handle(e fsnotify.Event) bool {
	if !e.Has(fsnotify.Create | fsnotify.Write | fsnotify.Remove | fsnotify.Rename) {
		return false // chmod alone: touch, editors' metadata
	}
	rel, ok := r.rel(e.Name)
	if !ok || r.skipped(rel) || isEditorTemp(path.Base(rel)) {
		return false
	}
	if e.Has(fsnotify.Remove | fsnotify.Rename) {
		r.unwatchTree(e.Name)
	}
	if e.Has(fsnotify.Create) {
		if fi, err := os.Lstat(e.Name); err == nil && fi.IsDir() {
			before := len(r.pending)
			if err := r.addTree(e.Name, true); err != nil {
				r.report(err)
			}
			return len(r.pending) > before
		}
	}
	r.pending[rel] = true
	return true
}

// handleError deals with an error from fsnotify; it reports whether a batch
// must be sent (events were lost).
func (r *localRun) handleError(err error) bool {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		r.report(fmt.Errorf("local watch: events were lost, reporting everything as changed: %w", err))
		r.overflow = true
		return true
	}
	r.report(fmt.Errorf("local watch: %w", err))
	return false
}

// flush turns the pending changes into a batch for the receiver, merged into
// the batch it has not taken yet, if any.
func (r *localRun) flush() {
	var paths []string
	for p := range r.pending {
		if r.cfg.Match(p) {
			paths = append(paths, p)
		}
	}
	overflow := r.overflow
	clear(r.pending)
	r.overflow, r.first = false, time.Time{}
	if len(paths) == 0 && !overflow {
		return
	}
	if r.ready == nil {
		r.ready = &Event{Kind: KindLocal, Paths: []string{}}
	}
	r.ready.Time = time.Now()
	if overflow || r.ready.Paths == nil {
		r.ready.Paths = nil // unknown: anything may have changed
		return
	}
	r.ready.Paths = append(r.ready.Paths, paths...)
	slices.Sort(r.ready.Paths)
	r.ready.Paths = slices.Compact(r.ready.Paths)
}

// addTree watches dir and every directory under it that is not skipped.
// When found is true (a folder that just appeared), the files already in it
// are recorded as changed: they may have been written before the watch.
func (r *localRun) addTree(dir string, found bool) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone while we walked
			}
			return fmt.Errorf("local watch: %w", err)
		}
		rel, ok := r.rel(p)
		if !ok {
			return nil
		}
		if !d.IsDir() {
			if found && !isEditorTemp(d.Name()) {
				r.pending[rel] = true
			}
			return nil
		}
		if rel != "" && r.skipped(rel) {
			return filepath.SkipDir
		}
		if err := r.w.Add(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			if errors.Is(err, syscall.ENOSPC) {
				return fmt.Errorf("local watch %s: too many watched folders, raise fs.inotify.max_user_watches: %w", p, err)
			}
			return fmt.Errorf("local watch %s: %w", p, err)
		}
		return nil
	})
}

// unwatchTree drops the watches of a folder that was moved or removed, and
// of every folder under it. A moved folder keeps its inotify watches, which
// would report changes under the old name; the move's other half (a Create)
// watches the new name.
func (r *localRun) unwatchTree(name string) {
	prefix := name + string(filepath.Separator)
	for _, p := range r.w.WatchList() {
		if p == name || strings.HasPrefix(p, prefix) {
			_ = r.w.Remove(p) // already gone with the folder: nothing to undo
		}
	}
}

// rel returns name relative to the root, slash-separated ("" for the root
// itself); ok is false for a name outside the root.
func (r *localRun) rel(name string) (string, bool) {
	rel, err := filepath.Rel(r.root, name)
	if err != nil {
		return "", false
	}
	rel = filepath.ToSlash(rel)
	if rel == "." {
		return "", true
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

// skipped reports whether rel is, or is inside, a skipped directory.
func (r *localRun) skipped(rel string) bool {
	for p := rel; p != "." && p != "/" && p != ""; p = path.Dir(p) {
		if r.cfg.SkipDir(p) {
			return true
		}
	}
	return false
}

func (r *localRun) report(err error) {
	if r.cfg.OnError != nil {
		r.cfg.OnError(err)
		return
	}
	r.log.Warn("local watch", "err", err)
}
