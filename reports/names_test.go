package reports

import (
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	tests := []struct {
		in    string
		plain bool
	}{
		{"20260301T100000Z-1003", true},
		{"churn-rf", true},
		{"../etc/passwd", false},
		{"a/b", false},
		{"index.html", false},
		{"x-0011", false},
		{".hidden", false},
		{"", false},
		{`"><img src=x>`, false},
	}
	for _, tt := range tests {
		got := slug(tt.in)
		if (got == tt.in) != tt.plain {
			t.Errorf("slug(%q) = %q, want plain=%v", tt.in, got, tt.plain)
		}
		if !safeName.MatchString(got) {
			t.Errorf("slug(%q) = %q is not a safe name", tt.in, got)
		}
	}
	if slug("a/b") == slug("a/c") {
		t.Error("two names share a slug")
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"run-1", "../x", "x-1", "a.html", "\x00", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := slug(s)
		if !safeName.MatchString(got) || strings.HasSuffix(got, ".html") {
			t.Fatalf("slug(%q) = %q", s, got)
		}
		if got != s && !strings.HasPrefix(got, "x-") {
			t.Fatalf("slug(%q) = %q: a changed name must be a hash", s, got)
		}
	})
}

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
