package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestLocal_Docs(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadDoc(ctx, "runs/r1/plan.json"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing document: err = %v, want ErrNotFound", err)
	}
	for _, content := range []string{`{"a":1}`, `{"a":2}`} {
		if err := s.WriteDoc(ctx, "runs/r1/plan.json", []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReadDoc(ctx, "runs/r1/plan.json")
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("read %q, want %q", got, content)
		}
	}
	if err := s.WriteDoc(ctx, "cache/k", make([]byte, MaxDocSize+1)); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("oversized document: err = %v", err)
	}
}

func TestCheckDocName(t *testing.T) {
	for _, ok := range []string{"cache/ab", "runs/2026-01-01T00-00-00Z-ab/tasks/train_xgb.json", "a"} {
		if err := CheckDocName(ok); err != nil {
			t.Errorf("CheckDocName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/abs", "a//b", "a/../b", "..", "./a", "a\\b", "a b", "a/\x00", "é", strings.Repeat("a", 513)} {
		if err := CheckDocName(bad); !errors.Is(err, ErrBadDocName) {
			t.Errorf("CheckDocName(%q) = %v, want ErrBadDocName", bad, err)
		}
	}
}

func FuzzCheckDocName(f *testing.F) {
	for _, s := range []string{"cache/ab", "a/../b", "", "runs/x/plan.json"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckDocName(name) != nil {
			return
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == ".." || seg == "" {
				t.Fatalf("accepted %q", name)
			}
		}
	})
}

func TestLocal_WriteDocCacheIndex(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	name := CacheIndex + "ab12"
	for _, content := range []string{`{"key":"ab12","n":1}`, `{"key":"ab12","n":2}`} {
		if err := s.WriteDoc(ctx, name, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReadDoc(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("read %q, want %q", got, content)
		}
	}
	dir := filepath.Join(root, "docs", "cache")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "ab12" {
		t.Errorf("%s holds %v, want the document alone (no temporary file)", dir, entries)
	}
	if fi, err := os.Stat(filepath.Join(dir, "ab12")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("document mode: %v, %v; want 0644", fi.Mode(), err)
	}
}

// BenchmarkLocal_WriteDoc compares new cache index entries, written
// without fsync, with new run plans, synced to the disk.
func BenchmarkLocal_WriteDoc(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(`{"key":"ab12","task":"train","outputs":[]}`)
	for _, prefix := range []string{CacheIndex, "runs/"} {
		b.Run(strings.TrimSuffix(prefix, "/"), func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				if err := s.WriteDoc(context.Background(), prefix+"d"+strconv.Itoa(i), data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
