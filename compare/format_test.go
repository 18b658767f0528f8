package compare

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
		got := Slug(tt.in)
		if (got == tt.in) != tt.plain {
			t.Errorf("Slug(%q) = %q, want plain=%v", tt.in, got, tt.plain)
		}
		if !safeName.MatchString(got) {
			t.Errorf("Slug(%q) = %q is not a safe name", tt.in, got)
		}
	}
	if Slug("a/b") == Slug("a/c") {
		t.Error("two names share a slug")
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"run-1", "../x", "x-1", "a.html", "\x00", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Slug(s)
		if !safeName.MatchString(got) || strings.HasSuffix(got, ".html") {
			t.Fatalf("Slug(%q) = %q", s, got)
		}
		if got != s && !strings.HasPrefix(got, "x-") {
			t.Fatalf("Slug(%q) = %q: a changed name must be a hash", s, got)
		}
	})
}
