package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// shape is the size of the generated repository.
type shape struct {
	Runs, Tasks, Metrics, Steps, Models, Versions int
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// generate writes runs/<pipeline>/<yyyy-mm>/<id>.json with its history
// file, and models/<m>/v<N>.yaml, under repo. Records are written with appends, not encoding/json, so that
// generating 10,000 records takes seconds.
func generate(repo string, s shape) error {
	if err := writeSpec(repo, s); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, s.Runs)
	for i := range s.Runs {
		ids[i] = runID(i)
		if err := writeRun(repo, i, ids[i], s, rng); err != nil {
			return err
		}
	}
	for m := range s.Models {
		for v := 1; v <= s.Versions; v++ {
			run := (m*s.Versions + v - 1) % s.Runs
			ver := &registry.Version{Schema: registry.Schema, Model: fmt.Sprintf("model-%02d", m), Version: v,
				Stage: registry.StageArchived, RunID: ids[run], Pipeline: "bench", Task: "train_0",
				Commit:   fmt.Sprintf("%040x", run),
				Artifact: registry.Artifact{File: "model.json", SHA256: fmt.Sprintf("%064x", m*1000+v), Size: 1000},
				Flavor:   "xgboost", Metrics: map[string]float64{}, Params: map[string]any{"depth": int64(v)},
				Created: epoch.Add(time.Duration(run) * time.Minute)}
			if v == s.Versions/2 {
				ver.Stage = registry.StageProduction
			} else if v > s.Versions/2 {
				ver.Stage = registry.StageNone
			}
			for k := range s.Metrics {
				ver.Metrics["metric_"+strconv.Itoa(k)] = rng.Float64()
			}
			p := filepath.Join(repo, filepath.FromSlash(ver.Path()))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, registry.Marshal(ver), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func runID(i int) string {
	return epoch.Add(time.Duration(i)*time.Minute).Format("20060102T150405Z") + "-" + fmt.Sprintf("%04x", i%65536)
}

func writeRun(repo string, i int, id string, s shape, rng *rand.Rand) error {
	start := epoch.Add(time.Duration(i) * time.Minute)
	status := "success"
	if i%17 == 0 {
		status = "failed"
	}
	b := make([]byte, 0, 16<<10)
	hist := &pipeline.Run{ID: id}
	b = fmt.Appendf(b, `{"schema":1,"id":%q,"pipeline":"bench","trigger":{"kind":"schedule"},"git":{"commit":"%040x"},`+
		`"params":{"n_estimators":%d,"lr":%g},"status":%q,"start":%q,"end":%q,"tasks":[`,
		id, i, 100+i%7*50, 0.01*float64(1+i%5), status, ts(start), ts(start.Add(50*time.Second)))
	for t := range s.Tasks {
		if t > 0 {
			b = append(b, ',')
		}
		ts0 := start.Add(time.Duration(t) * 10 * time.Second)
		needs := ""
		if t > 0 {
			needs = `"needs":["train_0"],`
		}
		b = fmt.Appendf(b, `{"name":"train_%d",%s"status":"success","start":%q,"end":%q,`+
			`"attempts":[{"number":1,"start":%q,"end":%q,"exit_code":0}],"metrics":{`,
			t, needs, ts(ts0), ts(ts0.Add(9*time.Second)), ts(ts0), ts(ts0.Add(9*time.Second)))
		for k := range s.Metrics {
			if k > 0 {
				b = append(b, ',')
			}
			b = fmt.Appendf(b, `"metric_%d":%s`, k, strconv.FormatFloat(rng.Float64(), 'g', -1, 64))
		}
		b = append(b, "}}"...)
		task := &pipeline.TaskRecord{Name: fmt.Sprintf("train_%d", t), MetricHistory: map[string][]pipeline.MetricPoint{}}
		for k := range s.Metrics {
			h := make([]pipeline.MetricPoint, s.Steps)
			for st := range h {
				h[st] = pipeline.MetricPoint{Step: int64(st), Value: math.Exp(-float64(st)/30) + rng.Float64()*0.01}
			}
			task.MetricHistory["metric_"+strconv.Itoa(k)] = h
		}
		hist.Tasks = append(hist.Tasks, task)
	}
	b = append(b, ']')
	rec := filepath.Join(repo, filepath.FromSlash(pipeline.RunRelPath("bench", id)))
	if err := os.MkdirAll(filepath.Dir(rec), 0o755); err != nil {
		return err
	}
	if s.Steps > 0 {
		data, ref := pipeline.EncodeHistory(hist)
		b = fmt.Appendf(b, `,"history":{"file":%q,"size":%d,"series":%d,"points":%d}`, ref.File, ref.Size, ref.Series, ref.Points)
		if err := os.WriteFile(filepath.Join(repo, filepath.FromSlash(pipeline.HistoryRelPath("bench", id))), data, 0o644); err != nil {
			return err
		}
	}
	b = append(b, "}\n"...)
	return os.WriteFile(rec, b, 0o644)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// writeSpec writes an mlcd.yaml whose promotion metric is metric_0 of the
// tasks that register models, so that the report highlights it, keeps
// its values for the charts across runs and marks its change.
func writeSpec(repo string, s shape) error {
	b := []byte("version: 1\npipeline: bench\ntasks:\n")
	for t := range s.Tasks {
		b = fmt.Appendf(b, "  train_%d:\n    run: python3 train.py\n", t)
		if t > 0 {
			b = append(b, "    needs: [train_0]\n"...)
		}
		b = fmt.Appendf(b, "    model: {name: model-%02d, file: model.json, flavor: xgboost}\n", t)
	}
	b = append(b, "promote: {metric: metric_0, goal: max}\n"...)
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(repo, "mlcd.yaml"), b, 0o644)
}
