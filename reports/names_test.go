package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTail(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nb\nc", 5, "a\nb\nc"},
		{"", 3, ""},
		{"one", 1, "one"},
	}
	for _, tt := range tests {
		if got := tail([]byte(tt.in), tt.n); got != tt.want {
			t.Errorf("tail(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestReadLast(t *testing.T) {
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	last, err := readLast(path, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(last) > 1000 || !strings.HasPrefix(string(last), "line ") {
		t.Errorf("readLast kept a cut line or too much: %q...", last[:20])
	}
	if got := tail(last, 2); got != "line 19998\nline 19999" {
		t.Errorf("tail = %q", got)
	}
	small, err := readLast(path, 1<<30)
	if err != nil || len(small) != b.Len() {
		t.Errorf("readLast of a short file: %d bytes, %v; want all %d", len(small), err, b.Len())
	}
}

func TestValidDigest(t *testing.T) {
	ok := strings.Repeat("0123456789abcdef", 4)
	for _, tc := range []struct {
		d    string
		want bool
	}{
		{ok, true},
		{strings.ToUpper(ok), false},
		{ok[:63], false},
		{ok + "0", false},
		{ok[:63] + "g", false},
		{ok[:62] + "é", false},
		{"../../../../etc/passwd" + ok[:42], false},
		{"", false},
	} {
		if got := validDigest(tc.d); got != tc.want {
			t.Errorf("validDigest(%q) = %v, want %v", tc.d, got, tc.want)
		}
	}
}
