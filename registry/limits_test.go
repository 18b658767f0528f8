package registry

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/inputlimit/limittest"
)

// TestParse_RefusesDeeplyNestedAndOversizedVersionFiles: a 60 KB version
// file of nested lists made `mlcd check` take 1.5 GB. Both readers refuse
// it before the YAML parser runs, with the file and the place.
func TestParse_RefusesDeeplyNestedAndOversizedVersionFiles(t *testing.T) {
	const name = "models/churn-rf/v3.yaml"
	canonical := string(Marshal(sampleVersion("churn-rf", 3)))
	tests := []struct{ name, doc, want string }{
		{"nested lists", canonical + "x: " + strings.Repeat("[", 30_000) + strings.Repeat("]", 30_000) + "\n",
			fmt.Sprintf("%s:%d:19: values nest more than 16 levels deep", name, strings.Count(canonical, "\n")+1)},
		{"nested blocks", canonical + "x:\n" + strings.Repeat("- ", 30_000) + "a\n", "values nest more than 16 levels deep"},
		{"too large", canonical + strings.Repeat("# padding\n", 120_000), name + ": file of 1.1 MiB is larger than the 1 MiB mlcd reads"},
		{"an alias", canonical + "x: &a [1]\ny: *a\n", "YAML aliases (*name) are not allowed in this file"},
	}
	for _, tt := range tests {
		var err error
		limittest.Allocs(t, 1<<10, func() { _, err = Parse(name, []byte(tt.doc)) })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse = %v, want %q", tt.name, err, tt.want)
		}
	}
}
