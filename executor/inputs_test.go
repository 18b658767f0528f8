package executor

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestInputHashes_Sum(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	os.WriteFile(data, []byte("a,b\n"), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(data, old, old)
	want, _ := hashFile(data)
	if fi, _ := os.Stat(data); fi != nil {
		if _, ok := statOf(fi); !ok {
			t.Skip("no stat cache on this system")
		}
	}

	// The files are an hour old by this clock: out of the racy window.
	later := func() time.Time { return time.Now().Add(time.Hour) }
	h := &inputHashes{file: filepath.Join(dir, "cache", "inputs.json"), now: later}
	if got, err := h.sum(data); err != nil || got != want {
		t.Fatalf("sum = %q, %v; want %q", got, err, want)
	}
	// Unchanged stat: the remembered hash is used, the file is not read.
	e := h.m[data]
	e.SHA256 = "remembered"
	h.m[data] = e
	if got, _ := h.sum(data); got != "remembered" {
		t.Errorf("unchanged file rehashed: %q", got)
	}
	if err := h.save(); err != nil {
		t.Fatal(err)
	}
	h2 := &inputHashes{file: h.file, now: later}
	if got, _ := h2.sum(data); got != "remembered" {
		t.Errorf("after a restart: %q, want the saved hash", got)
	}
	// Same size, old mtime put back: ctime still tells.
	os.WriteFile(data, []byte("a,c\n"), 0o644)
	os.Chtimes(data, old, old)
	want2, _ := hashFile(data)
	if got, _ := h2.sum(data); got != want2 {
		t.Errorf("changed file: %q, want %q", got, want2)
	}
	// A file changed just now is hashed but not remembered (racy window),
	// and so is one whose old mtime was put back just now (cp -p): its
	// ctime is new.
	fresh := filepath.Join(dir, "fresh")
	os.WriteFile(fresh, []byte("x"), 0o644)
	copied := filepath.Join(dir, "copied")
	os.WriteFile(copied, []byte("y"), 0o644)
	os.Chtimes(copied, old, old)
	now := &inputHashes{file: h.file}
	for _, f := range []string{fresh, copied} {
		if _, err := now.sum(f); err != nil {
			t.Fatal(err)
		}
		if _, ok := now.m[f]; ok {
			t.Errorf("%s, changed within the racy window, was remembered", filepath.Base(f))
		}
	}
	if _, err := h2.sum(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
	// Saving forgets files that are gone.
	h2.m[filepath.Join(dir, "deleted")] = fileStat{SHA256: "x"}
	h2.dirty = true
	if err := h2.save(); err != nil {
		t.Fatal(err)
	}
	h3 := &inputHashes{file: h.file}
	h3.mu.Lock()
	h3.loadLocked()
	h3.mu.Unlock()
	if _, ok := h3.m[filepath.Join(dir, "deleted")]; ok || len(h3.m) != 1 {
		t.Errorf("saved table: %v", h3.m)
	}
}
