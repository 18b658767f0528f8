package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Records written since history files came keep their histories next to
// them; the run page and its compare data must still draw them.
func TestBuilder_BuildReadsHistoryFiles(t *testing.T) {
	repo := t.TempDir()
	start := time.Date(2026, 11, 26, 23, 30, 12, 0, time.UTC)
	mk := func(id string) *pipeline.Run {
		return &pipeline.Run{ID: id, Pipeline: "p", Status: pipeline.StatusSuccess, Start: start, End: start.Add(time.Minute),
			Tasks: []*pipeline.TaskRecord{{Name: "train", Status: pipeline.StatusSuccess, Metrics: map[string]float64{"loss": 0.25},
				MetricHistory: map[string][]pipeline.MetricPoint{
					"loss": {{Step: 0, Value: 1}, {Step: 1, Value: 0.5}, {Step: 2, Value: 0.25}},
					"acc":  {{Step: 0, Value: 0.5}, {Step: 2, Value: 0.75}},
				}}}}
	}
	good, bad := mk("20261126T233012Z-aaaaaa"), mk("20261126T233013Z-bbbbbb")
	for _, r := range []*pipeline.Run{good, bad} {
		if err := pipeline.WriteRun(repo, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(repo, filepath.FromSlash(pipeline.HistoryRelPath("p", good.ID)))); err != nil {
		t.Fatalf("WriteRun wrote no history file: %v", err)
	}
	badHist := filepath.Join(repo, filepath.FromSlash(pipeline.HistoryRelPath("p", bad.ID)))
	data, err := os.ReadFile(badHist)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(badHist, data, 0o644); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	b, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := b.Build(context.Background(), repo)
	if err == nil || !strings.Contains(err.Error(), bad.ID+".history") || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("Build with a damaged history file: error %v, want one naming the file and the checksum", err)
	}
	if stats.Runs != 1 {
		t.Errorf("runs shown = %d, want the 1 with a good history", stats.Runs)
	}
	page, err := os.ReadFile(filepath.Join(out, "runs", "p", good.ID+".html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`aria-label="train.loss"`, `aria-label="train.acc"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("run page has no chart %s", want)
		}
	}
	if n := strings.Count(string(page), `<path class="line"`); n != 2 {
		t.Errorf("run page draws %d history lines, want 2", n)
	}
	js, err := os.ReadFile(filepath.Join(out, "runs", "p", "data-0.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"train.loss":{"from":0,"by":1,"lo":0.25,"hi":1,"q":"__VVAA"}`) {
		t.Errorf("compare data lacks the loss history:\n%s", js)
	}
}
