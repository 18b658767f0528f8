package pipeline

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"33554432", 32 << 20, ""},
		{"64MiB", 64 << 20, ""},
		{" 64 MiB ", 64 << 20, ""},
		{"100MB", 100e6, ""},
		{"1GiB", 1 << 30, ""},
		{"512KiB", 512 << 10, ""},
		{"10B", 10, ""},
		{"1024GiB", 1 << 40, ""},
		{"1025GiB", 0, "at most 1TiB"},
		{"0", 0, "more than 0"},
		{"-5MiB", 0, "not a size"},
		{"+5", 0, "not a size"},
		{"5 mib", 0, "not a size"},
		{"1.5MiB", 0, "not a size"},
		{"MiB", 0, "not a size"},
		{"", 0, "not a size"},
		{"99999999999999999999", 0, "not a size"},
	}
	for _, tc := range tests {
		got, err := ParseSize(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSize(%q) = %d, %v; want an error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseSize: no input panics or overflows; every accepted size is in
// bounds.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"64MiB", "33554432", "1 GB", "9223372036854775807GiB", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && (n <= 0 || n > MaxSize) {
			t.Fatalf("ParseSize(%q) = %d, out of bounds", s, n)
		}
	})
}
