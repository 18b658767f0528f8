package executor

import (
	"context"
	"strconv"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// noOpDAG is make bench-dag's shape: one root, width parallel tasks, one
// join; every task `true`.
func noOpDAG(width int) *pipeline.Pipeline {
	tasks := []*pipeline.Task{sh("root", "true")}
	var mids []string
	for i := range width {
		name := "t" + strconv.Itoa(i)
		mids = append(mids, name)
		tasks = append(tasks, sh(name, "true", "root"))
	}
	return pipe("bench", append(tasks, sh("join", "true", mids...))...)
}

func benchmarkRun(b *testing.B, noCache bool) {
	e := newEnv(b)
	p := noOpDAG(48)
	o := e.opts()
	o.Output, o.Jobs, o.NoCache, o.WorkDir = nil, 2, noCache, b.TempDir()
	if _, err := Run(context.Background(), p, o); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(p.Tasks)), "tasks/op")
	for b.Loop() {
		r, err := Run(context.Background(), p, o)
		if err != nil || r.Status != pipeline.StatusSuccess {
			b.Fatalf("%v %s", err, r.Status)
		}
	}
}

func BenchmarkRun_NoOpDAG(b *testing.B)       { benchmarkRun(b, true) }
func BenchmarkRun_NoOpDAGCached(b *testing.B) { benchmarkRun(b, false) }
