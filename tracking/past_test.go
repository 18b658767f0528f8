package tracking

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// writeRun writes r's record files into the checkout dir.
func writeRun(t *testing.T, dir string, r *pipeline.Run) {
	t.Helper()
	files, err := pipeline.MarshalRunFiles(r)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestServer_readsRecordedRuns(t *testing.T) {
	dir := t.TempDir()
	first, second := strings.Repeat("1", 32), strings.Repeat("2", 32)
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	writeRun(t, dir, &pipeline.Run{Schema: 1, ID: "20261130T100000.000Z-cccccc", Pipeline: "churn", Trigger: pipeline.Trigger{Kind: "manual"},
		Status: pipeline.StatusSuccess, Start: at, End: at.Add(time.Minute),
		Tasks: []*pipeline.TaskRecord{{
			Name: "train", Status: pipeline.StatusSuccess, Start: at, End: at.Add(time.Minute),
			Params:  pipeline.Params{"n_estimators": int64(50), "cv/fold": int64(3)},
			Metrics: map[string]float64{"loss": 0.25, "cv/loss": 0.5},
			MetricHistory: map[string][]pipeline.MetricPoint{
				"loss":    {{Step: 0, Value: 1, Time: at}, {Step: 1, Value: 0.25, Time: at.Add(time.Second)}},
				"cv/loss": {{Step: 0, Value: 0.5, Time: at}},
			},
			Tags: map[string]string{"team": "churn"},
			MLflowRuns: []pipeline.TrackedRun{
				{ID: first, Name: "main", Experiment: "peer-demo", Status: "FINISHED", Start: at, End: at.Add(time.Minute), Artifacts: "mlflow/" + first},
				{ID: second, Name: "cv", Experiment: "peer-demo", Parent: first, Prefix: "cv/", Status: "FINISHED", Start: at.Add(time.Second), Artifacts: "mlflow/" + second},
			},
		}},
	})
	f := newFixtureIn(t, dir, nil)
	// The recorded experiment exists by name.
	m := f.mustOK("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=peer-demo", "")
	exp := dig(m, "experiment", "experiment_id").(string)
	// runs/get answers from the record: each run with its own names.
	m = f.mustOK("GET", "/api/2.0/mlflow/runs/get?run_uuid="+first+"&run_id="+first, "")
	if got := jsonOf(t, dig(m, "run", "data")); got != `{"metrics":[{"key":"loss","step":1,"timestamp":1796032801000,"value":0.25}],"params":[{"key":"n_estimators","value":"50"}],"tags":[{"key":"mlcd.run_id","value":"20261130T100000.000Z-cccccc"},{"key":"mlcd.task","value":"train"},{"key":"mlflow.runName","value":"main"},{"key":"team","value":"churn"}]}` {
		t.Errorf("first run: %s", got)
	}
	if dig(m, "run", "info", "status") != "FINISHED" || dig(m, "run", "info", "experiment_id") != exp {
		t.Errorf("first run info: %v", dig(m, "run", "info"))
	}
	m = f.mustOK("GET", "/api/2.0/mlflow/runs/get?run_id="+second, "")
	if got := jsonOf(t, dig(m, "run", "data", "params")); got != `[{"key":"fold","value":"3"}]` {
		t.Errorf("second run params: %s", got)
	}
	// metrics/get-history reads the history file.
	m = f.mustOK("GET", "/api/2.0/mlflow/metrics/get-history?run_id="+first+"&metric_key=loss", "")
	if got := jsonOf(t, m); got != `{"metrics":[{"key":"loss","step":0,"timestamp":1796032800000,"value":1},{"key":"loss","step":1,"timestamp":1796032801000,"value":0.25}]}` {
		t.Errorf("history: %s", got)
	}
	// runs/search: this run's runs and the recorded ones, newest first.
	m = f.mustOK("POST", "/api/2.0/mlflow/runs/create", `{"experiment_id": "0", "start_time": 1796100000000}`)
	live := dig(m, "run", "info", "run_id").(string)
	m = f.mustOK("POST", "/api/2.0/mlflow/runs/search", `{"experiment_ids": ["0", "`+exp+`"], "max_results": 2}`)
	runs, _ := m["runs"].([]any)
	if len(runs) != 2 || dig(runs[0], "info", "run_id") != live || dig(runs[1], "info", "run_id") != second || m["next_page_token"] != "2" {
		t.Errorf("search page 1: %s", jsonOf(t, m))
	}
	m = f.mustOK("POST", "/api/2.0/mlflow/runs/search", `{"experiment_ids": ["`+exp+`"]}`)
	if runs, _ := m["runs"].([]any); len(runs) != 2 {
		t.Errorf("search by experiment: %s", jsonOf(t, m))
	}
	status, m := f.do("POST", "/api/2.0/mlflow/runs/search", `{"filter": "metrics.loss < 1"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "no search filters")
	// Recorded runs do not change.
	status, m = f.do("POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id": "`+first+`", "key": "x", "value": 1, "timestamp": 1}`)
	wantError(t, status, m, 400, "INVALID_STATE", "has ended")
}
