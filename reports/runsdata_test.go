package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runs/all-<k>.js is JSON inside a call, one line per run, newest first;
// runs/all.js counts them.
func TestRunsData(t *testing.T) {
	site, _ := buildSite(t, "xss")
	count, err := os.ReadFile(filepath.Join(site, "runs", "all.js"))
	if err != nil || string(count) != "mlcdRunsChunks(1);\n" {
		t.Fatalf("runs/all.js = %q, %v; want one chunk", count, err)
	}
	data, err := os.ReadFile(filepath.Join(site, "runs", "all-1.js"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if strings.Contains(s, "<") || !strings.HasPrefix(s, "mlcdRuns(") || !strings.HasSuffix(s, ");\n") {
		t.Fatalf("all.js is not a script call safe in a page: %.200s", s)
	}
	var d struct {
		Page          int
		Params, Promo []string
		Runs          [][]any
	}
	if err := json.Unmarshal([]byte(strings.TrimSuffix(strings.TrimPrefix(s, "mlcdRuns("), ");\n")), &d); err != nil {
		t.Fatal(err)
	}
	if d.Page != 1 || len(d.Runs) != 2 {
		t.Errorf("%d runs, want the fixture's 2", len(d.Runs))
	}
	for _, r := range d.Runs {
		if len(r) != 11 || len(r[9].([]any)) != len(d.Params) || len(r[10].([]any)) != len(d.Promo) {
			t.Errorf("run line %v does not match params %v and promo %v", r, d.Params, d.Promo)
		}
	}
}
