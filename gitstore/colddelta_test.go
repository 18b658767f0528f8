package gitstore

import (
	"bytes"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestApplyDelta(t *testing.T) {
	base := []byte("0123456789abcdef")
	tests := []struct {
		name  string
		delta []byte
		want  string // "" with ok false: refused
		ok    bool
	}{
		{"copy and insert", []byte{16, 9, 0x91, 2, 4, 3, 'x', 'y', 'z', 0x90, 2}, "2345xyz01", true},
		{"copy with offset bytes 0 and 1", []byte{16, 3, 0x93, 10, 0, 3}, "abc", true},
		{"insert only", []byte{16, 2, 2, 'h', 'i'}, "hi", true},
		{"wrong base size", []byte{15, 2, 2, 'h', 'i'}, "", false},
		{"result longer than said", []byte{16, 1, 2, 'h', 'i'}, "", false},
		{"result shorter than said", []byte{16, 3, 2, 'h', 'i'}, "", false},
		{"copy past the base", []byte{16, 4, 0x91, 14, 4}, "", false},
		{"insert past the delta", []byte{16, 4, 4, 'a'}, "", false},
		{"reserved instruction", []byte{16, 1, 0}, "", false},
		{"truncated copy", []byte{16, 4, 0x91, 14}, "", false},
		{"truncated size", []byte{0x90}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyDelta(base, tt.delta)
			if (err == nil) != tt.ok || string(got) != tt.want {
				t.Errorf("applyDelta = %q, %v; want %q, ok %v", got, err, tt.want, tt.ok)
			}
		})
	}
}

// TestApplyDelta_copy64k: a copy of size 0 means 0x10000 bytes.
func TestApplyDelta_copy64k(t *testing.T) {
	base := bytes.Repeat([]byte("ab"), 0x9000)
	// sizes 0x12000 and 0x10000, then a copy with no offset or size bytes
	delta := []byte{0x80, 0xc0, 0x04, 0x80, 0x80, 0x04, 0x80}
	got, err := applyDelta(base, delta)
	if err != nil || !bytes.Equal(got, base[:0x10000]) {
		t.Fatalf("applyDelta: %d bytes, %v", len(got), err)
	}
}

func FuzzApplyDelta(f *testing.F) {
	f.Add([]byte("0123456789abcdef"), []byte{16, 9, 0x91, 2, 4, 3, 'x', 'y', 'z', 0x90, 2})
	f.Add([]byte("x"), []byte{1, 0x80, 0x01, 0x90})
	f.Add([]byte{}, []byte{0, 0})
	f.Fuzz(func(t *testing.T, base, delta []byte) {
		out, err := applyDelta(base, delta)
		if err != nil {
			return
		}
		src, rest, ok := deltaSize(delta)
		if !ok || int(src) != len(base) {
			t.Fatalf("accepted a delta for a base of %d bytes, not %d", src, len(base))
		}
		if dst, _, _ := deltaSize(rest); int(dst) != len(out) {
			t.Fatalf("result of %d bytes, the delta says %d", len(out), dst)
		}
	})
}

// FuzzPackFile_object decodes entries of arbitrary pack bytes: errors,
// never a panic, a hang or an allocation past maxPackObject.
func FuzzPackFile_object(f *testing.F) {
	var pack bytes.Buffer
	objs := newObjects{{typ: plumbing.BlobObject, data: []byte("model: churn\nversion: 1\n")}, {typ: plumbing.TreeObject, data: nil}}
	if err := writePack(&pack, objs); err != nil {
		f.Fatal(err)
	}
	f.Add(pack.Bytes(), int64(12))
	delta := bytes.Clone(pack.Bytes()[:12])
	delta = append(delta, 0x60|3, 0x0c) // an offset delta of 3 bytes, 12 back
	delta = append(delta, bytes.Repeat([]byte{0}, 40)...)
	f.Add(delta, int64(12))
	f.Fuzz(func(t *testing.T, data []byte, off int64) {
		p := &packFile{pack: data, fanout: make([]byte, 256*4), bases: map[int64]packObj{}} // an empty index
		typ, out, err := p.object(off)
		if err == nil && (typ < plumbing.CommitObject || typ > plumbing.TagObject) {
			t.Fatalf("decoded an object of type %v", typ)
		}
		if len(out) > maxPackObject {
			t.Fatalf("%d bytes", len(out))
		}
	})
}

// FuzzDecodeTree: what decodeTree accepts, go-git's decoder reads the
// same.
func FuzzDecodeTree(f *testing.F) {
	f.Add([]byte("100644 a\x0001234567890123456789" + "40000 b\x0001234567890123456789"))
	f.Add([]byte("100755 run.sh\x0001234567890123456789"))
	f.Add([]byte("40000 \x0001234567890123456789"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeTree(data)
		if !ok {
			return
		}
		o := &plumbing.MemoryObject{}
		o.SetType(plumbing.TreeObject)
		o.Write(data)
		var want object.Tree
		if err := want.Decode(o); err != nil {
			t.Fatalf("decodeTree accepted what go-git refuses: %v", err)
		}
		if len(got) != len(want.Entries) {
			t.Fatalf("%d entries, go-git reads %d", len(got), len(want.Entries))
		}
		for i := range got {
			if got[i] != want.Entries[i] {
				t.Fatalf("entry %d: %v, go-git reads %v", i, got[i], want.Entries[i])
			}
		}
	})
}
