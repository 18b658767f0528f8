package inputlimit

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func nested(open, close string, n int) string {
	return strings.Repeat(open, n) + strings.Repeat(close, n)
}

func TestYAML_RefusesDeepNestingAndLargeFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		lim  Limits
		want string // "" passes
	}{
		{"flow lists", "x: " + nested("[", "]", 64), Limits{}, "1:67: values nest more than 64 levels deep"},
		{"flow lists at the limit", "x: " + nested("[", "]", 63), Limits{}, ""},
		{"flow mappings", "x: " + strings.Repeat("{a: ", 70), Limits{}, "values nest more than 64 levels deep"},
		{"flow after a colon", "x:" + nested("[", "]", 70), Limits{}, "values nest more than 64 levels deep"},
		{"compact block lists", "x:\n" + strings.Repeat("- ", 70) + "a\n", Limits{}, "2:"},
		{"indented mappings", indented(70), Limits{}, "values nest more than 64 levels deep"},
		{"flow list over lines", "x: [\n" + strings.Repeat(" [\n", 70), Limits{}, "values nest more than 64 levels deep"},
		{"too large", strings.Repeat("# c\n", 300), Limits{MaxBytes: 1000}, "file of 1.2 KiB is larger than the 1000 bytes mlcd reads"},
		{"brackets in quotes", `x: "` + strings.Repeat("[", 200) + `"` + "\ny: '" + strings.Repeat("{", 200) + "'\n", Limits{}, ""},
		{"brackets in a comment", "x: 1 # " + strings.Repeat("[", 200) + "\n", Limits{}, ""},
		{"brackets in plain text", "run: echo a" + strings.Repeat("[", 200) + "\n", Limits{}, ""},
		{"brackets in a block scalar", "run: |\n  " + strings.Repeat("[", 200) + "\n  done\nnext: 1\n", Limits{}, ""},
		{"a quote over lines", "x: \"a\n  " + strings.Repeat("[", 200) + "\"\ny: [1]\n", Limits{}, ""},
		{"deep after a block scalar", "run: |\n  text\nx: " + nested("[", "]", 70), Limits{}, "3:"},
		{"alias not allowed", "a: &a 1\nb: *a\n", Limits{}, "2:4: YAML aliases (*name) are not allowed in this file"},
		{"aliases counted", "a: &a 1\nb: [*a, *a, *a]\n", Limits{MaxAliases: 2}, "2:13: more than 2 YAML aliases (*name)"},
		{"aliases allowed", "a: &a 1\nb: [*a, *a]\n", Limits{MaxAliases: 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := YAML([]byte(tt.doc), tt.lim)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("YAML = %v, want it to pass", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("YAML = %v, want %q", err, tt.want)
			}
		})
	}
}

func indented(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}

// TestYAML_PassesTheRepositorysOwnFiles: every YAML file of this module
// (examples, test data, CI) passes the default limits with aliases allowed.
func TestYAML_PassesTheRepositorysOwnFiles(t *testing.T) {
	t.Parallel()
	n := 0
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".yml")) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		if strings.Contains(p, "invalid") {
			return nil // may be anything
		}
		if err := YAML(data, Limits{MaxAliases: -1}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walk: %v, %d files", err, n)
	}
}

func TestJSON_RefusesDeepNestingAndSkipsStrings(t *testing.T) {
	t.Parallel()
	if err := JSON([]byte(nested("[", "]", 101)), Limits{}); err == nil || err.Error() != "1:101: values nest more than 100 levels deep" {
		t.Errorf("JSON of 101 lists = %v", err)
	}
	if err := JSON([]byte(`{"a": "`+strings.Repeat("[", 500)+`\"]"}`), Limits{}); err != nil {
		t.Errorf("JSON with brackets in a string = %v", err)
	}
	if err := JSON([]byte("{\n \"a\":\n"+nested("{\"b\":", "}", 5)), Limits{MaxDepth: 3}); err == nil || !strings.HasPrefix(err.Error(), "3:") {
		t.Errorf("JSON too deep on line 3 = %v", err)
	}
	if err := JSON(make([]byte, 11), Limits{MaxBytes: 10}); err == nil {
		t.Errorf("JSON over MaxBytes passed")
	}
}

// TestScan_MemoryIsConstant: the scan of a 200 KB file of nested lists
// (which took the YAML parser gigabytes) allocates almost nothing.
func TestScan_MemoryIsConstant(t *testing.T) {
	doc := []byte("x: " + nested("[", "]", 100_000))
	block := []byte("x:\n" + strings.Repeat("- ", 100_000) + "a\n")
	for name, check := range map[string]func() *Error{
		"yaml flow":  func() *Error { return YAML(doc, Limits{MaxBytes: 1 << 20}) },
		"yaml block": func() *Error { return YAML(block, Limits{MaxBytes: 1 << 20}) },
		"json":       func() *Error { return JSON(doc[3:], Limits{MaxBytes: 1 << 20}) },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if check() == nil {
			t.Errorf("%s: a 200 KB nested file passed", name)
		}
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
			t.Errorf("%s: the scan allocated %d bytes, want under 64 KiB", name, got)
		}
	}
}
