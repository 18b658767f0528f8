package promotion

import (
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// FuzzBody: whatever params, metric names and run ids a repository holds,
// the body opens no HTML and every table row keeps its columns.
func FuzzBody(f *testing.F) {
	f.Add("note", "<b>@team</b> | [x](http://evil)", "f1", "run-1")
	f.Add("a|b", "`code`\n# head", "lo|ss", "<script>")
	f.Add("", "\r\n", "", "@user")
	f.Fuzz(func(t *testing.T, param, value, metric, run string) {
		prod, cand := version(1, registry.StageProduction, 0.5), version(2, registry.StageNone, 0.6)
		cand.Params[param] = value
		cand.Metrics[metric] = 0.7
		prod.Metrics[metric] = 0.1
		cand.RunID = run
		body := Body(cand, prod, registry.StageProduction, &pipeline.Promote{Metric: metric}, "https://o.github.io/r/")
		if strings.Contains(body, "<") {
			t.Fatalf("raw < in body:\n%s", body)
		}
		cols := -1
		for _, line := range strings.Split(body, "\n") {
			if !strings.HasPrefix(line, "|") {
				cols = -1
				continue
			}
			n := strings.Count(line, "|") - strings.Count(line, `\|`)
			if cols == -1 {
				cols = n
			} else if n != cols {
				t.Fatalf("row %q has %d cells, its table %d:\n%s", line, n, cols, body)
			}
		}
	})
}
