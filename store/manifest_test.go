package store

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	d1 = "1111111111111111111111111111111111111111111111111111111111111111"
	d2 = "2222222222222222222222222222222222222222222222222222222222222222"
)

func TestManifest_roundTrip(t *testing.T) {
	t.Parallel()
	entries := []ManifestEntry{{"model.pkl", d2, 1234}, {"MLmodel", d1, 10}, {"code/a b.py", d1, 0}, {"a.txt", d1, 1}}
	b, err := EncodeManifest(entries)
	if err != nil {
		t.Fatal(err)
	}
	want := ManifestMagic + d1 + " 10 MLmodel\n" + d1 + " 1 a.txt\n" + d1 + " 0 code/a b.py\n" + d2 + " 1234 model.pkl\n"
	if string(b) != want {
		t.Errorf("EncodeManifest =\n%s\nwant\n%s", b, want)
	}
	got, err := DecodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ManifestEntry{entries[1], entries[3], entries[2], entries[0]}, got); diff != "" {
		t.Errorf("DecodeManifest (-want +got):\n%s", diff)
	}
	if !IsManifest(b) || IsManifest([]byte("\x80\x04pickle")) {
		t.Error("IsManifest does not tell a manifest from a pickle")
	}
}

func TestDecodeManifest_refuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, want string }{
		{"parent folder", d1 + " 1 ../etc/passwd\n", "leaves the folder"},
		{"absolute", d1 + " 1 /etc/passwd\n", "leaves the folder"},
		{"unclean", d1 + " 1 a/./b\n", "not clean"},
		{"inner dotdot", d1 + " 1 a/../../b\n", "not clean"},
		{"backslash", d1 + " 1 a\\b\n", "backslash"},
		{"repeated", d1 + " 1 a\n" + d1 + " 1 a\n", "sorted, once each"},
		{"unsorted", d1 + " 1 b\n" + d1 + " 1 a\n", "sorted, once each"},
		{"file and folder", d1 + " 1 a\n" + d1 + " 1 a.txt\n" + d1 + " 1 a/b\n", `"a/b" is inside "a"`},
		{"bad digest", "abc 1 a\n", "sha256"},
		{"negative size", d1 + " -1 a\n", "not a byte count"},
		{"size with a sign", d1 + " +1 a\n", "not a byte count"},
		{"no newline at the end", d1 + " 1 a", "no newline"},
		{"empty", "", "want 1 to"},
		{"missing field", d1 + " 1\n", "want <sha256> <size> <path>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeManifest([]byte(ManifestMagic + tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeManifest error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeManifest([]byte("mlcd-folder 2\n" + d1 + " 1 a\n")); err == nil {
		t.Error("a manifest of another version was read")
	}
}

// FuzzDecodeManifest: no input panics, and every accepted manifest lists
// paths inside the folder and encodes back to the same bytes.
func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(ManifestMagic + d1 + " 10 MLmodel\n" + d2 + " 5 model.pkl\n"))
	f.Add([]byte(ManifestMagic + d1 + " 1 a\n" + d1 + " 1 a/b\n"))
	f.Add([]byte(ManifestMagic + d1 + " 1 ../x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodeManifest(data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if checkRelPath(e.Path) != nil {
				t.Fatalf("accepted path %q", e.Path)
			}
		}
		b, err := EncodeManifest(entries)
		if err != nil || string(b) != string(data) {
			t.Fatalf("re-encoded %q (%v), want %q", b, err, data)
		}
	})
}
