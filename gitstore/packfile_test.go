package gitstore

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// git index-pack is the judge of the packs Publish sends.
func TestWritePack_GitReadsIt(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("0123456789abcdef"), 5000) // a multi-byte size header
	objs := newObjects{
		{plumbing.BlobObject, []byte("hello\n")},
		{plumbing.BlobObject, []byte{}},
		{plumbing.BlobObject, big},
		{plumbing.TreeObject, nil}, // the empty tree
	}
	var pack bytes.Buffer
	if err := writePack(&pack, objs); err != nil {
		t.Fatal(err)
	}
	bare := gittest.NewBare(t)
	if _, err := gittest.TryGit(bare, pack.Bytes(), "index-pack", "--stdin", "--strict"); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		h := plumbing.ComputeHash(o.typ, o.data).String()
		typ := gittest.Git(t, bare, "cat-file", "-t", h)
		if typ != o.typ.String() {
			t.Errorf("%s: type %s, want %s", short(h), typ, o.typ)
		}
		if size := gittest.Git(t, bare, "cat-file", "-s", h); size != strconv.Itoa(len(o.data)) {
			t.Errorf("%s: size %s, want %d", short(h), size, len(o.data))
		}
	}
}
