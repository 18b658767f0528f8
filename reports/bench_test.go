package reports

import (
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// benchRun is a run of the report benchmark's shape: 4 tasks x 20
// metrics x 100 steps.
func benchRun() *pipeline.Run {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &pipeline.Run{ID: "20260101T000000Z-0001", Pipeline: "bench", Status: pipeline.StatusSuccess,
		Start: start, End: start.Add(50 * time.Second), Params: pipeline.Params{"lr": 0.1, "n": int64(100)}}
	for t := range 4 {
		task := &pipeline.TaskRecord{Name: fmt.Sprintf("train_%d", t), Status: pipeline.StatusSuccess,
			Start: start, End: start.Add(9 * time.Second), Metrics: map[string]float64{},
			MetricHistory: map[string][]pipeline.MetricPoint{},
			Attempts:      []pipeline.Attempt{{Number: 1, Start: start, End: start.Add(9 * time.Second)}}}
		if t > 0 {
			task.Needs = []string{"train_0"}
		}
		for k := range 20 {
			name := fmt.Sprintf("metric_%d", k)
			task.Metrics[name] = float64(k) / 20
			h := make([]pipeline.MetricPoint, 100)
			for i := range h {
				h[i] = pipeline.MetricPoint{Step: int64(i), Value: math.Exp(-float64(i) / 30)}
			}
			task.MetricHistory[name] = h
		}
		r.Tasks = append(r.Tasks, task)
	}
	return r
}

// BenchmarkRunPage renders one run's page and compare data, the work a
// full build repeats for every run.
func BenchmarkRunPage(b *testing.B) {
	bld, err := New(Options{Out: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	site, err := os.OpenRoot(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	p := newPass(bld, site, &manifest{Pages: map[string]string{}})
	run := benchRun()
	series := inlineSeries(b, run)
	row := &runRow{File: "runs/bench/2026-01/" + run.ID + ".json"}
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			v, err := p.runView(run, series, row)
			if err != nil {
				b.Fatal(err)
			}
			out, err := bld.renderSlotted("run", page0("Run", "../../", v), v.Charts.appendHTML)
			if err != nil {
				b.Fatal(err)
			}
			v.arena.release() // as a build does
			putBuf(out)
		}
	})
	b.Run("data", func(b *testing.B) {
		for b.Loop() {
			putBuf(appendRunData(getBuf(64<<10), run, series, row))
		}
	})
}
