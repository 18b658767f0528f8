package pipeline

import (
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/inputlimit/limittest"
)

// TestParse_RefusesDeeplyNestedAndOversizedFiles: a 200 KB mlcd.yaml of
// nested lists took gigabytes to parse. It is refused before parsing, in
// little memory, with the file and the place.
func TestParse_RefusesDeeplyNestedAndOversizedFiles(t *testing.T) {
	deep := "pipeline: p\ntasks: {a: {run: x}}\nx: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n"
	tests := []struct{ name, doc, want string }{
		{"nested lists", deep, "mlcd.yaml:3:67: values nest more than 64 levels deep"},
		{"nested blocks", "pipeline: p\nx:\n" + strings.Repeat("- ", 100_000) + "a\n", "mlcd.yaml:3:"},
		{"too large", "pipeline: p\n" + strings.Repeat("#\n", 200_000), "mlcd.yaml: file of 390.6 KiB is larger than the 256 KiB mlcd reads"},
		{"alias bomb", string(limittest.YAMLSeeds(1000)[4]), "more than 100 YAML aliases"},
	}
	for _, tt := range tests {
		var err error
		limittest.Allocs(t, 1<<10, func() { _, err = Parse("mlcd.yaml", []byte(tt.doc)) })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse = %v, want %q", tt.name, err, tt.want)
		}
	}
}
