package gitstore

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
)

// TestMemPacks reads a pack file through memPacks with room for it (from
// memory, one copy shared by every open file, given back when the last is
// closed) and without (from disk): both give the file's bytes by Read,
// ReadAt and Seek.
func TestMemPacks(t *testing.T) {
	t.Parallel()
	dir := packedRepo(t, false)
	dot := filepath.Join(dir, ".git")
	packs, _ := filepath.Glob(filepath.Join(dot, "objects", "pack", "pack-*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs: %v", packs)
	}
	want, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(filepath.ToSlash(packs[0]), filepath.ToSlash(dot)+"/")
	m := newMemPacks(osfs.New(dot), int64(len(want)))
	var open []billy.File
	for range 2 {
		f, err := m.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := f.(*memFile); !ok {
			t.Fatalf("a pack within the budget opened as %T, want it in memory", f)
		}
		checkReads(t, f, want)
		open = append(open, f)
	}
	if m.left != 0 || len(m.packs) != 1 || m.packs[name].refs != 2 {
		t.Errorf("two opens: %d bytes left, %d packs held; want one copy shared", m.left, len(m.packs))
	}
	for _, f := range open {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if m.left != int64(len(want)) || len(m.packs) != 0 {
		t.Errorf("all closed: %d bytes left, %d packs held; want the budget back", m.left, len(m.packs))
	}

	tight := newMemPacks(osfs.New(dot), int64(len(want)-1))
	f, err := tight.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.(*memFile); ok {
		t.Fatal("a pack past the budget read into memory")
	}
	checkReads(t, f, want)
	other, err := m.Open("config")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, ok := other.(*memFile); ok {
		t.Error("a file that is no pack read into memory")
	}
}

func checkReads(t *testing.T, f billy.File, want []byte) {
	t.Helper()
	mid := int64(len(want) / 2)
	if _, err := f.Seek(mid, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(rest, want[mid:]) {
		t.Fatalf("read from the middle: %d bytes, %v; want %d", len(rest), err, len(want)-int(mid))
	}
	head := make([]byte, 12)
	if _, err := f.ReadAt(head, 0); err != nil || !bytes.Equal(head, want[:12]) {
		t.Fatalf("ReadAt(0) = %q, %v", head, err)
	}
}
