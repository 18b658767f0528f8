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
func allObjects(t *testing.T, dir string) map[plumbing.Hash]packObject {
	t.Helper()
	cmd := exec.Command("git", "cat-file", "--batch-all-objects", "--batch")
	cmd.Dir = dir
	cmd.Env = gittest.Env()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git cat-file: %v", err)
	}
	objs := map[plumbing.Hash]packObject{}
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
		objs[plumbing.NewHash(f[0])] = packObject{typ: typ, data: data[:size]}
	}
}

// TestRepo_readsPackedObjects reads every tree and blob of a repository
// packed with long delta chains (bases named by offset, and by hash)
// through the repository's object reads: each is git's own content, the
// second read (from the object cache) too, and changing a blob read does
// not change what the next read gives.
func TestRepo_readsPackedObjects(t *testing.T) {
	t.Parallel()
	for _, refDeltas := range []bool{false, true} {
		t.Run(fmt.Sprintf("refDeltas=%v", refDeltas), func(t *testing.T) {
			t.Parallel()
			dir := packedRepo(t, refDeltas)
			checkDeltas(t, dir, refDeltas)
			want := allObjects(t, dir)
			r, err := OpenWorkTree(testContext(t), dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for h, w := range want {
				switch w.typ {
				case plumbing.BlobObject:
					for range 2 {
						got, err := r.blobBytes(h)
						if err != nil || !bytes.Equal(got, w.data) {
							t.Fatalf("blob %s: %d bytes, %v; want %d bytes", h, len(got), err, len(w.data))
						}
						if len(got) > 0 {
							got[0] ^= 0xff // the caller's copy
						}
					}
				case plumbing.TreeObject:
					for range 2 {
						checkTree(t, r, h, w.data)
					}
				}
			}
		})
	}
}

// checkDeltas fails unless a third of the objects of dir's one pack are
// deltas of the kind asked for (a pack entry's type is bits 4-6 of its
// first byte: 6 names the base by offset, 7 by hash), so that the fixture
// tests delta chains.
func checkDeltas(t *testing.T, dir string, refDeltas bool) {
	t.Helper()
	idx, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "pack-*.idx"))
	if len(idx) != 1 {
		t.Fatalf("packs: %v", idx)
	}
	pack, err := os.ReadFile(strings.TrimSuffix(idx[0], ".idx") + ".pack")
	if err != nil {
		t.Fatal(err)
	}
	kind := byte(6)
	if refDeltas {
		kind = 7
	}
	objects, deltas := 0, 0
	for _, line := range strings.Split(gittest.Git(t, dir, "verify-pack", "-v", idx[0]), "\n") {
		f := strings.Fields(line) // hash type size packed-size offset [depth base]
		if len(f) < 5 || len(f[0]) != 40 {
			continue
		}
		off, err := strconv.Atoi(f[4])
		if err != nil || off >= len(pack) {
			t.Fatalf("verify-pack line %q", line)
		}
		objects++
		if pack[off]>>4&7 == kind {
			deltas++
		}
	}
	if deltas < objects/3 {
		t.Fatalf("%d of %d objects are deltas of type %d: the fixture does not test delta chains", deltas, objects, kind)
	}
}

// checkTree compares the entries read through the repository with
// go-git's decoding of git's own content of the tree.
func checkTree(t *testing.T, r *Repo, h plumbing.Hash, data []byte) {
	t.Helper()
	o := &plumbing.MemoryObject{}
	o.SetType(plumbing.TreeObject)
	o.Write(data)
	var want object.Tree
	if err := want.Decode(o); err != nil {
		t.Fatal(err)
	}
	got, err := r.treeEntries(h)
	if err != nil {
		t.Fatalf("tree %s: %v", h, err)
	}
	if diff := cmp.Diff(want.Entries, got); diff != "" {
		t.Fatalf("tree %s (-git +read):\n%s", h, diff)
	}
}
