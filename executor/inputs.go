package executor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// inputHashes remembers the sha256 of input files by their stat (size,
// mtime, ctime, inode), as git's index does, so that a run on unchanged
// data does not read gigabytes again to find its cache key. It lives in
// Options.InputHashes; losing it only costs a rehash.
type inputHashes struct {
	file string           // "" keeps nothing
	now  func() time.Time // nil is time.Now; tests move the clock on

	mu     sync.Mutex
	loaded bool
	dirty  bool
	m      map[string]fileStat
}

type fileStat struct {
	Size   int64  `json:"size"`
	Mtime  int64  `json:"mtime_ns"`
	Ctime  int64  `json:"ctime_ns"`
	Inode  uint64 `json:"ino"`
	SHA256 string `json:"sha256,omitempty"`
}

// racyWindow: a file whose mtime or ctime is this recent may still change
// within the same clock tick unnoticed, so its hash is not remembered.
// Both count: a copy that keeps an old mtime (cp -p, rsync -a, tar x) has
// a new ctime, and ctime alone then tells two such copies apart, which it
// cannot within one tick of a coarse clock.
const racyWindow = 2 * time.Second

// settled reports whether a file of stat st is past the racy window.
func (h *inputHashes) settled(st fileStat) bool {
	now := time.Now
	if h.now != nil {
		now = h.now
	}
	return now().UnixNano()-max(st.Mtime, st.Ctime) > int64(racyWindow)
}

// sum returns the sha256 of the file at path (absolute).
func (h *inputHashes) sum(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	st, ok := statOf(fi)
	if ok && h.file != "" {
		h.mu.Lock()
		h.loadLocked()
		old, hit := h.m[path]
		h.mu.Unlock()
		if hit && old.SHA256 != "" && old.Size == st.Size && old.Mtime == st.Mtime && old.Ctime == st.Ctime && old.Inode == st.Inode {
			return old.SHA256, nil
		}
	}
	sum, err := hashFile(path)
	if err != nil {
		return "", err
	}
	if ok && h.file != "" && h.settled(st) {
		st.SHA256 = sum
		h.mu.Lock()
		h.m[path] = st
		h.dirty = true
		h.mu.Unlock()
	}
	return sum, nil
}

func (h *inputHashes) loadLocked() {
	if h.loaded {
		return
	}
	h.loaded = true
	h.m = map[string]fileStat{}
	if data, err := os.ReadFile(h.file); err == nil {
		_ = json.Unmarshal(data, &h.m) // unreadable: start afresh
	}
}

// save writes the table when it changed: temporary file and rename, no
// fsync (a lost table is only a rehash).
func (h *inputHashes) save() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.dirty || h.file == "" {
		return nil
	}
	for path := range h.m {
		if _, err := os.Lstat(path); err != nil {
			delete(h.m, path) // gone (an old checkout): keep the table small
		}
	}
	data, err := json.Marshal(h.m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(h.file), 0o755); err != nil {
		return err
	}
	tmp := h.file + ".tmp-" + time.Now().Format("150405.000000000")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, h.file); err != nil {
		os.Remove(tmp)
		return err
	}
	h.dirty = false
	return nil
}
