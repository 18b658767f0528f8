package gitstore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// packedRepo is a repository whose objects are all in one pack with long
// delta chains: similar files in several folders over several commits.
// refDeltas asks for deltas that name their base by hash.
func packedRepo(t *testing.T, refDeltas bool) string {
	t.Helper()
	dir := t.TempDir()
	gittest.Git(t, dir, "init", "--quiet", "--initial-branch=main")
	for c := range 4 {
		for m := range 6 {
			for v := 1; v <= 8; v++ {
				name := filepath.Join(dir, "models", fmt.Sprintf("m%d", m), fmt.Sprintf("v%d.yaml", v))
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				body := fmt.Sprintf("model: m%d\nversion: %d\nstage: %s\n%s", m, v, []string{"None", "Staging", "Production", "Archived"}[(c+v)%4], strings.Repeat(fmt.Sprintf("metric_%d: 0.%d\n", v, c+m), 40))
				if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "big.bin"), bytes.Repeat([]byte{byte(c), 1, 2, 3, 4, 5, 6, 7}, 20000+c), 0o644); err != nil {
			t.Fatal(err)
		}
		gittest.Git(t, dir, "add", "-A")
		gittest.Git(t, dir, "commit", "--quiet", "-m", "commit "+strconv.Itoa(c))
	}
	args := []string{"repack", "-adf", "--quiet", "--depth=50", "--window=50"}
	if refDeltas {
		args = append([]string{"-c", "repack.useDeltaBaseOffset=false"}, args...)
	}
	gittest.Git(t, dir, args...)
	return dir
}

// allObjects reads every object of the repository with git cat-file.
func allObjects(t *testing.T, dir string) map[plumbing.Hash]packObj {
	t.Helper()
	cmd := exec.Command("git", "cat-file", "--batch-all-objects", "--batch")
	cmd.Dir = dir
	cmd.Env = gittest.Env()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git cat-file: %v", err)
	}
	objs := map[plumbing.Hash]packObj{}
	r := bufio.NewReader(bytes.NewReader(out))
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			return objs
		}
		f := strings.Fields(line) // hash type size
		if err != nil || len(f) != 3 {
			t.Fatalf("cat-file line %q: %v", line, err)
		}
		size, _ := strconv.Atoi(f[2])
		data := make([]byte, size+1) // and the newline after it
		if _, err := io.ReadFull(r, data); err != nil {
			t.Fatal(err)
		}
		typ, err := plumbing.ParseObjectType(f[1])
		if err != nil {
			t.Fatal(err)
		}
		objs[plumbing.NewHash(f[0])] = packObj{typ: typ, data: data[:size]}
	}
}

func TestPackSet_read(t *testing.T) {
	t.Parallel()
	for _, refDeltas := range []bool{false, true} {
		t.Run(fmt.Sprintf("refDeltas=%v", refDeltas), func(t *testing.T) {
			t.Parallel()
			dir := packedRepo(t, refDeltas)
			want := allObjects(t, dir)
			s := newPackSet(filepath.Join(dir, ".git"))
			if s == nil {
				t.Fatal("no pack set for a packed repository")
			}
			deltas := map[byte]int{}
			for h, w := range want {
				typ, data, ok := s.read(h)
				if !ok {
					t.Fatalf("%s: not read", h)
				}
				if typ != w.typ || !bytes.Equal(data, w.data) {
					t.Fatalf("%s: got %s of %d bytes, want %s of %d bytes", h, typ, len(data), w.typ, len(w.data))
				}
				if w.typ == plumbing.TreeObject {
					checkTree(t, s, h, w.data)
				}
				// read again: now its bases, or itself, come from the cache
				if _, again, _ := s.read(h); !bytes.Equal(again, w.data) {
					t.Fatalf("%s: second read differs", h)
				}
				p := s.current()[0]
				off, _ := p.find(h)
				e, _ := p.header(off)
				deltas[e.typ]++
			}
			kind := byte(ofsDelta)
			if refDeltas {
				kind = refDelta
			}
			if deltas[kind] < len(want)/3 {
				t.Errorf("%d of %d objects are deltas of type %d (%v): the fixture does not test delta chains", deltas[kind], len(want), kind, deltas)
			}
		})
	}
}

func TestPackSet_readMissesLooseAndFindsNewPacks(t *testing.T) {
	t.Parallel()
	dir := packedRepo(t, false)
	s := newPackSet(filepath.Join(dir, ".git"))
	loose := plumbing.NewHash(gittest.Git(t, dir, "hash-object", "-w", "--stdin", "-t", "blob", "/dev/null"))
	if _, data, ok := s.read(loose); ok {
		t.Fatalf("loose object read from the packs: %q", data)
	}
	if err := os.WriteFile(filepath.Join(dir, "new.txt"), []byte("packed later\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := plumbing.NewHash(gittest.Git(t, dir, "hash-object", "-w", "new.txt"))
	if _, _, ok := s.read(h); ok {
		t.Fatal("loose object read from the packs")
	}
	gittest.Git(t, dir, "add", "new.txt")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "new")
	gittest.Git(t, dir, "repack", "-d", "--quiet") // packs the new commit's objects into a second pack
	typ, data, ok := s.read(h)
	if !ok || typ != plumbing.BlobObject || string(data) != "packed later\n" {
		t.Fatalf("after repack: %s %q %v", typ, data, ok)
	}
	if n := len(s.current()); n != 2 {
		t.Errorf("%d packs mapped, want 2", n)
	}
}

// TestPackSet_damaged changes bytes of a pack: a read gives the right
// object or nothing (the caller then asks go-git), never wrong content
// and never a crash.
func TestPackSet_damaged(t *testing.T) {
	t.Parallel()
	dir := packedRepo(t, false)
	want := allObjects(t, dir)
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "pack-*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs: %v", packs)
	}
	orig, err := os.ReadFile(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(packs[0], 0o644); err != nil { // git makes packs read-only
		t.Fatal(err)
	}
	for _, at := range []int{40, len(orig) / 3, len(orig) / 2, len(orig) - 30, len(orig) - 10} { // the last: its checksum
		damaged := bytes.Clone(orig)
		for i := at; i < at+8; i++ {
			damaged[i] ^= 0x5a
		}
		if err := os.WriteFile(packs[0], damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		s := newPackSet(filepath.Join(dir, ".git"))
		wrong, missed := 0, 0
		for h, w := range want {
			typ, data, ok := s.read(h)
			switch {
			case !ok:
				missed++
			case typ != w.typ || !bytes.Equal(data, w.data):
				wrong++
			}
		}
		if wrong > 0 || missed == 0 {
			t.Errorf("damage at %d: %d objects wrong, %d missed; want 0 wrong, some missed", at, wrong, missed)
		}
	}
}

func TestPackSet_incompleteIndex(t *testing.T) {
	t.Parallel()
	dir := packedRepo(t, false)
	idxs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "pack-*.idx"))
	data, err := os.ReadFile(idxs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(idxs[0], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idxs[0], data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	s := newPackSet(filepath.Join(dir, ".git"))
	if n := len(s.current()); n != 0 || !s.again {
		t.Fatalf("a half-written index: %d packs mapped, again %v", n, s.again)
	}
	if err := os.WriteFile(idxs[0], data, 0o644); err != nil { // the writer finishes
		t.Fatal(err)
	}
	head := gittest.Git(t, dir, "rev-parse", "HEAD^{tree}")
	if typ, _, ok := s.read(plumbing.NewHash(head)); !ok || typ != plumbing.TreeObject {
		t.Fatalf("after the index is complete: %s %v", typ, ok)
	}
}

// TestPackSet_truncatedUnderUs cuts a mapped pack short, as no git does
// but a full disk or a careless tool might: reading past the end of the
// mapping faults, which must be a failed read, not a crash.
func TestPackSet_truncatedUnderUs(t *testing.T) {
	t.Parallel()
	dir := packedRepo(t, false)
	want := allObjects(t, dir)
	s := newPackSet(filepath.Join(dir, ".git"))
	if len(s.current()) != 1 {
		t.Fatal("pack not mapped")
	}
	packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "pack-*.pack"))
	fi, err := os.Stat(packs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(packs[0], 4096); err != nil {
		t.Fatal(err)
	}
	if fi.Size() < 3*4096 {
		t.Fatalf("pack of %d bytes is too small for this test", fi.Size())
	}
	missed := 0
	for h, w := range want {
		typ, data, ok := s.read(h)
		if !ok {
			missed++
			continue
		}
		if typ != w.typ || !bytes.Equal(data, w.data) {
			t.Fatalf("%s: wrong content from a truncated pack", h)
		}
	}
	if missed == 0 {
		t.Error("every object read from a truncated pack")
	}
}

// checkTree compares the entries packSet reads with go-git's decoding of
// git's own content of the tree.
func checkTree(t *testing.T, s *packSet, h plumbing.Hash, data []byte) {
	t.Helper()
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.TreeObject)
	o.Write(data)
	var want object.Tree
	if err := want.Decode(o); err != nil {
		t.Fatal(err)
	}
	got, ok := s.tree(h)
	if !ok {
		t.Fatalf("tree %s: not read", h)
	}
	if diff := cmp.Diff(want.Entries, got); diff != "" {
		t.Fatalf("tree %s (-go-git +packSet):\n%s", h, diff)
	}
}
