package pipeline

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatchPath(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"src/**", "src/a/b.py", true},
		{"src/**", "src/x", true},
		{"src/**", "srcx/a", false},
		{"src/**", "other/src/a", false},
		{"**/*.csv", "a.csv", true},
		{"**/*.csv", "d/e/a.csv", true},
		{"**/*.csv", "d/e/a.csvx", false},
		{"data/*.csv", "data/a.csv", true},
		{"data/*.csv", "data/sub/a.csv", false},
		{"mlcd.yaml", "mlcd.yaml", true},
		{"mlcd.yaml", "sub/mlcd.yaml", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"a/**/b/**/c", "a/1/b/2/b/3/c", true},
		{"a/**/b/**/c", "a/1/c/2/b", false},
		{"**", "anything/at/all", true},
		{"**/**", "x", true},
		{"src/?.py", "src/a.py", true},
		{"src/?.py", "src/ab.py", false},
		{"src/[ab].py", "src/b.py", true},
		{"src/[^ab].py", "src/b.py", false},
		{"src/[^ab].py", "src/c.py", true},
		{`src/\*.py`, "src/*.py", true},
		{`src/\*.py`, "src/a.py", false},
		{"*", "a/b", false},
		{"*.py", ".hidden.py", true},
		{"[x", "[x", false}, // invalid patterns match nothing
		{"src/**", "", false},
	}
	for _, tt := range tests {
		if got := MatchPath(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestValidGlob(t *testing.T) {
	good := []string{"src/**", "**/*.csv", "a/[bc]/d", `x\*`, "mlcd.yaml", "**"}
	for _, g := range good {
		if err := ValidGlob(g); err != nil {
			t.Errorf("ValidGlob(%q) = %v, want nil", g, err)
		}
	}
	bad := map[string]string{
		"":       "empty glob",
		"/etc/*": "must be relative",
		"a//b":   "empty segment",
		"data/":  "empty segment",
		"./a":    `"." segment`,
		"a/../b": `".." segment`,
		"a**":    "whole segment",
		"[ab":    "unclosed",
		`a\`:     "unclosed",
	}
	for g, want := range bad {
		err := ValidGlob(g)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidGlob(%q) = %v, want an error with %q", g, err, want)
		}
	}
}

func TestExpandGlobs(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"src/a.py", "src/lib/b.py", "src/lib/c.txt", "data/x.csv", "data/deep/y.csv", "z.csv", "mlcd.yaml", ".git/objects/q.csv"} {
		write(t, filepath.Join(root, f), "x")
	}
	tests := []struct {
		patterns []string
		want     []string
	}{
		{[]string{"src/**"}, []string{"src/a.py", "src/lib/b.py", "src/lib/c.txt"}},
		{[]string{"**/*.csv"}, []string{"data/deep/y.csv", "data/x.csv", "z.csv"}},
		{[]string{"src/**/*.py", "src/lib/*", "mlcd.yaml"}, []string{"mlcd.yaml", "src/a.py", "src/lib/b.py", "src/lib/c.txt"}},
		{[]string{"data/*.csv", "missing/**", "missing.txt"}, []string{"data/x.csv"}},
		{nil, []string{}},
	}
	for _, tt := range tests {
		got, err := ExpandGlobs(root, tt.patterns)
		if err != nil {
			t.Fatalf("ExpandGlobs(%v): %v", tt.patterns, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ExpandGlobs(%v) (-want +got):\n%s", tt.patterns, diff)
		}
	}
	for _, bad := range [][]string{{"data"}, {"/abs"}} {
		if _, err := ExpandGlobs(root, bad); err == nil {
			t.Errorf("ExpandGlobs(%v): no error", bad)
		}
	}
	if _, err := ExpandGlobs(filepath.Join(root, "nope"), []string{"**"}); err == nil {
		t.Error("ExpandGlobs on a missing root: no error")
	}
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzMatchPath compares the greedy matcher with a plain recursive one.
func FuzzMatchPath(f *testing.F) {
	for _, s := range [][2]string{
		{"src/**", "src/a/b.py"}, {"**/*.csv", "d/e/a.csv"}, {"a/**/b/**/c", "a/1/b/2/b/3/c"},
		{"**/**/x", "x"}, {"[a-c]/?", "b/z"}, {`\**`, "*x"}, {"a/**", "a"}, {"[", "["},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if len(pattern) > 64 || len(name) > 64 {
			return
		}
		got := MatchPath(pattern, name)
		want := name != "" && ValidGlob(pattern) == nil && slowMatch(strings.Split(pattern, "/"), strings.Split(name, "/"))
		if got != want {
			t.Fatalf("MatchPath(%q, %q) = %v, reference says %v", pattern, name, got, want)
		}
	})
}

func slowMatch(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if slowMatch(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], segs[0])
	return ok && slowMatch(pat[1:], segs[1:])
}

func BenchmarkMatchPath(b *testing.B) {
	for b.Loop() {
		MatchPath("src/**/test/**/*.py", "src/a/b/c/test/d/e/f/g.py")
	}
}
