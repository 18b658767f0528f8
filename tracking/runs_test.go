package tracking

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServer_createRun(t *testing.T) {
	f := newFixture(t)
	m := f.mustOK("POST", "/api/2.0/mlflow/experiments/create", `{"name": "peer-demo"}`)
	exp := m["experiment_id"].(string)
	// #4 of the reference, verbatim.
	body := `{"experiment_id": "` + exp + `", "user_id": "root", "run_name": "sklearn-run", "start_time": 1795734188072, "tags": [{"key": "mlflow.user", "value": "root"}, {"key": "mlflow.source.name", "value": "workflow_a.py"}, {"key": "mlflow.source.type", "value": "LOCAL"}, {"key": "mlflow.runName", "value": "sklearn-run"}, {"key": "team", "value": "churn"}]}`
	m = f.mustOK("POST", "/api/2.0/mlflow/runs/create", body)
	info := dig(m, "run", "info").(map[string]any)
	id := info["run_id"].(string)
	if len(id) != 32 || info["run_uuid"] != id || info["run_name"] != "sklearn-run" || info["experiment_id"] != exp ||
		info["user_id"] != "root" || info["status"] != "RUNNING" || info["start_time"] != float64(1795734188072) ||
		info["artifact_uri"] != "mlflow-artifacts:/"+exp+"/"+id+"/artifacts" || info["lifecycle_stage"] != "active" {
		t.Fatalf("run info: %v", info)
	}
	if !strings.Contains(jsonOf(t, dig(m, "run", "data", "tags")), `{"key":"mlflow.source.name","value":"workflow_a.py"}`) {
		t.Errorf("tags: %v", dig(m, "run", "data"))
	}
	// Recorded: the run (the task's first: no prefix) and the user's tag, not mlflow.* system tags.
	runs := f.rec.kinds(EventRun)
	if len(runs) != 1 || runs[0].Tracked.ID != id || runs[0].Tracked.Name != "sklearn-run" || runs[0].Tracked.Experiment != "peer-demo" ||
		runs[0].Tracked.Prefix != "" || runs[0].Tracked.Artifacts != "mlflow/"+id || !runs[0].Tracked.Start.Equal(time.UnixMilli(1795734188072)) {
		t.Errorf("recorded run: %+v", runs)
	}
	if tags := f.rec.kinds(EventTag); len(tags) != 1 || tags[0].Key != "team" || tags[0].Value != "churn" || tags[0].Run != id {
		t.Errorf("recorded tags: %+v", tags)
	}
	// A second run of the task is kept apart under its name; an unnamed one gets one.
	f.createRun("sklearn-run")
	f.mustOK("POST", "/api/2.0/mlflow/runs/create", `{"experiment_id": "0"}`)
	runs = f.rec.kinds(EventRun)
	if len(runs) != 3 || runs[1].Tracked.Prefix != "sklearn-run/" || runs[2].Tracked.Name != "train-3" || runs[2].Tracked.Prefix != "train-3/" {
		t.Errorf("later runs: %+v %+v", runs[1].Tracked, runs[2].Tracked)
	}
	// An unknown experiment is a 404; runs/create without the task's URI is refused.
	status, m := f.do("POST", "/api/2.0/mlflow/runs/create", `{"experiment_id": "42"}`)
	wantError(t, status, m, 404, "RESOURCE_DOES_NOT_EXIST", "42")
	status, m = doURL(t, "POST", f.srv.URL()+"/api/2.0/mlflow/runs/create", `{"experiment_id": "0"}`)
	wantError(t, status, m, 403, "PERMISSION_DENIED", "MLFLOW_TRACKING_URI")
}

func TestServer_logParameterAndMetric(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	// #5, #6: log-parameter with run_uuid and run_id; values are strings.
	for _, kv := range [][2]string{{"flavor", "sklearn"}, {"n_estimators", "50"}} {
		m := f.mustOK("POST", "/api/2.0/mlflow/runs/log-parameter", `{"run_uuid": "`+id+`", "key": "`+kv[0]+`", "value": "`+kv[1]+`", "run_id": "`+id+`"}`)
		if len(m) != 0 {
			t.Errorf("log-parameter answered %v, want {}", m)
		}
	}
	// The same value again is fine; another value is refused and not recorded.
	f.mustOK("POST", "/api/2.0/mlflow/runs/log-parameter", `{"run_id": "`+id+`", "key": "n_estimators", "value": "50"}`)
	status, m := f.do("POST", "/api/2.0/mlflow/runs/log-parameter", `{"run_id": "`+id+`", "key": "n_estimators", "value": "60"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "Changing param values is not allowed")
	if ps := f.rec.kinds(EventParam); len(ps) != 2 || ps[1].Key != "n_estimators" || ps[1].Value != "50" || ps[1].Run != id {
		t.Errorf("params recorded: %+v", ps)
	}
	// #7..#10: log-metric with steps and timestamps (only run_uuid is enough too).
	for _, b := range []string{
		`{"run_uuid": "` + id + `", "key": "loss", "value": 1.0, "timestamp": 1795734188237, "step": 0, "run_id": "` + id + `"}`,
		`{"run_uuid": "` + id + `", "key": "loss", "value": 0.5, "timestamp": 1795734188307, "step": 1, "run_id": "` + id + `"}`,
		`{"run_uuid": "` + id + `", "key": "loss", "value": 0.3333333333333333, "timestamp": 1795734188715, "step": 2}`,
		`{"run_uuid": "` + id + `", "key": "train_acc", "value": 0.952, "timestamp": 1795734188795, "step": 0, "run_id": "` + id + `"}`,
	} {
		f.mustOK("POST", "/api/2.0/mlflow/runs/log-metric", b)
	}
	ms := f.rec.kinds(EventMetric)
	if len(ms) != 4 || ms[2].Key != "loss" || ms[2].Metric != 0.3333333333333333 || ms[2].Step != 2 ||
		!ms[2].Time.Equal(time.UnixMilli(1795734188715)) || ms[3].Key != "train_acc" || ms[3].Step != 0 {
		t.Errorf("metrics recorded: %+v", ms)
	}
	for _, c := range []struct{ body, msg string }{
		{`{"run_id": "` + id + `", "key": "loss", "value": 1.0}`, "'timestamp'"},
		{`{"run_id": "` + id + `", "key": "loss", "timestamp": 1}`, "'value'"},
		{`{"run_id": "` + id + `", "key": "loss", "value": "NaN", "timestamp": 1}`, "not a finite number"},
		{`{"run_id": "` + id + `", "key": "../x", "value": 1, "timestamp": 1}`, "must not resolve"},
		{`{"run_id": "` + id + `", "key": "a\u0000b", "value": 1, "timestamp": 1}`, "Invalid metric name"},
	} {
		status, m := f.do("POST", "/api/2.0/mlflow/runs/log-metric", c.body)
		wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", c.msg)
	}
	status, m = f.do("POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id": "`+strings.Repeat("0", 32)+`", "key": "loss", "value": 1, "timestamp": 1}`)
	wantError(t, status, m, 404, "RESOURCE_DOES_NOT_EXIST", "not found")
	if n := len(f.rec.kinds(EventMetric)); n != 4 {
		t.Errorf("refused metrics were recorded: %d", n)
	}
	// #11: runs/get with both ids in the query string: latest value per key.
	m = f.mustOK("GET", "/api/2.0/mlflow/runs/get?run_uuid="+id+"&run_id="+id, "")
	if got := jsonOf(t, dig(m, "run", "data", "metrics")); got != `[{"key":"loss","step":2,"timestamp":1795734188715,"value":0.3333333333333333},{"key":"train_acc","step":0,"timestamp":1795734188795,"value":0.952}]` {
		t.Errorf("runs/get metrics: %s", got)
	}
	if got := jsonOf(t, dig(m, "run", "data", "params")); got != `[{"key":"flavor","value":"sklearn"},{"key":"n_estimators","value":"50"}]` {
		t.Errorf("runs/get params: %s", got)
	}
	// metrics/get-history: every step, paged.
	m = f.mustOK("GET", "/api/2.0/mlflow/metrics/get-history?run_id="+id+"&metric_key=loss&max_results=2", "")
	if got := jsonOf(t, m); got != `{"metrics":[{"key":"loss","step":0,"timestamp":1795734188237,"value":1},{"key":"loss","step":1,"timestamp":1795734188307,"value":0.5}],"next_page_token":"2"}` {
		t.Errorf("get-history: %s", got)
	}
	m = f.mustOK("GET", "/api/2.0/mlflow/metrics/get-history?run_id="+id+"&metric_key=loss&max_results=2&page_token=2", "")
	if got := jsonOf(t, m); !strings.Contains(got, `"step":2`) || strings.Contains(got, "next_page_token") {
		t.Errorf("get-history page 2: %s", got)
	}
}

func TestServer_setTagLogBatchUpdate(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	f.mustOK("POST", "/api/2.0/mlflow/runs/set-tag", `{"run_id": "`+id+`", "run_uuid": "`+id+`", "key": "dataset", "value": "2026-11"}`)
	f.mustOK("POST", "/api/2.0/mlflow/runs/set-tag", `{"run_id": "`+id+`", "key": "mlflow.note.content", "value": "kept in the run only"}`)
	if tags := f.rec.kinds(EventTag); len(tags) != 1 || tags[0].Key != "dataset" {
		t.Errorf("tags: %+v", tags)
	}
	batch := `{"run_id": "` + id + `", "metrics": [{"key": "auc", "value": 0.9, "timestamp": 1795734188000, "step": 3}, {"key": "auc", "value": 0.91, "timestamp": 1795734188001, "step": 4}], "params": [{"key": "lr", "value": "0.1"}, {"key": "lr", "value": "0.1"}], "tags": [{"key": "phase", "value": "fit"}]}`
	f.mustOK("POST", "/api/2.0/mlflow/runs/log-batch", batch)
	if ms := f.rec.kinds(EventMetric); len(ms) != 2 || ms[1].Metric != 0.91 || ms[1].Step != 4 {
		t.Errorf("batch metrics: %+v", ms)
	}
	if ps, ts := f.rec.kinds(EventParam), f.rec.kinds(EventTag); len(ps) != 1 || ps[0].Value != "0.1" || len(ts) != 2 || ts[1].Key != "phase" {
		t.Errorf("batch params %+v, tags %+v", ps, ts)
	}
	// A batch with one bad item records nothing of it.
	before := len(f.rec.events)
	bad := `{"run_id": "` + id + `", "metrics": [{"key": "ok", "value": 1, "timestamp": 1, "step": 0}], "params": [{"key": "lr", "value": "0.2"}]}`
	status, m := f.do("POST", "/api/2.0/mlflow/runs/log-batch", bad)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "Changing param values")
	if len(f.rec.events) != before {
		t.Errorf("a refused batch was partly recorded")
	}
	many := `{"run_id": "` + id + `", "params": [` + strings.Repeat(`{"key": "p", "value": "1"},`, 100) + `{"key": "p", "value": "1"}]}`
	status, m = f.do("POST", "/api/2.0/mlflow/runs/log-batch", many)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "at most 1000 metrics, 100 params")
	// #16: runs/update ends the run.
	m = f.mustOK("POST", "/api/2.0/mlflow/runs/update", `{"run_uuid": "`+id+`", "status": "FINISHED", "end_time": 1795734189359, "run_id": "`+id+`"}`)
	if dig(m, "run_info", "status") != "FINISHED" || dig(m, "run_info", "end_time") != float64(1795734189359) {
		t.Errorf("update: %v", m)
	}
	runs := f.rec.kinds(EventRun)
	if last := runs[len(runs)-1].Tracked; last.Status != "FINISHED" || !last.End.Equal(time.UnixMilli(1795734189359)) {
		t.Errorf("recorded end: %+v", last)
	}
	status, m = f.do("POST", "/api/2.0/mlflow/runs/update", `{"run_id": "`+id+`", "status": "DONE"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "DONE")
	// log-inputs is accepted (autolog sends it) and records nothing.
	before = len(f.rec.events)
	f.mustOK("POST", "/api/2.0/mlflow/runs/log-inputs", `{"run_id": "`+id+`", "datasets": [{"dataset": {"name": "train", "digest": "abc", "source_type": "code", "source": "{}"}}]}`)
	if len(f.rec.events) != before {
		t.Error("log-inputs recorded something")
	}
	// #12: log-model keeps the MLmodel in the run's history tag, records nothing.
	f.mustOK("POST", "/api/2.0/mlflow/runs/log-model", `{"run_id": "`+id+`", "model_json": "{\"artifact_path\": \"model\", \"flavors\": {\"sklearn\": {}}}"}`)
	m = f.mustOK("GET", "/api/2.0/mlflow/runs/get?run_id="+id, "")
	if !strings.Contains(jsonOf(t, dig(m, "run", "data", "tags")), "mlflow.log-model.history") || len(f.rec.events) != before {
		t.Errorf("log-model: %v", m)
	}
}

func TestServer_recordFailureIsNotAcknowledged(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	f.rec.fail = errDisk
	status, m := f.do("POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id": "`+id+`", "key": "loss", "value": 1, "timestamp": 1}`)
	wantError(t, status, m, 500, "INTERNAL_ERROR", "disk full")
	f.rec.fail = nil
	m = f.mustOK("GET", "/api/2.0/mlflow/runs/get?run_id="+id, "")
	if dig(m, "run", "data", "metrics") != nil {
		t.Errorf("an unrecorded metric is visible: %v", m)
	}
}

func TestServer_sessionsKeepToTheirRuns(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	other := f.srv.Open(Task{Name: "other", Attempt: 1, OutDir: t.TempDir(), Recorder: &memRecorder{}})
	status, m := doURL(t, "POST", other.URI()+"/api/2.0/mlflow/runs/log-metric", `{"run_id": "`+id+`", "key": "x", "value": 1, "timestamp": 1}`)
	wantError(t, status, m, 403, "PERMISSION_DENIED", "belongs to task train")
	// Reads are open to every task of the run.
	if status, _ := doURL(t, "GET", other.URI()+"/api/2.0/mlflow/runs/get?run_id="+id, ""); status != http.StatusOK {
		t.Errorf("runs/get from another task: %d", status)
	}
	// After Close, the attempt's URI is refused, and its runs take nothing more.
	f.sess.Close()
	status, m = f.do("POST", "/api/2.0/mlflow/runs/log-metric", `{"run_id": "`+id+`", "key": "x", "value": 1, "timestamp": 1}`)
	wantError(t, status, m, 403, "PERMISSION_DENIED", "ended")
	status, m = doURL(t, "POST", f.srv.URL()+"/api/2.0/mlflow/runs/log-metric", `{"run_id": "`+id+`", "key": "x", "value": 1, "timestamp": 1}`)
	wantError(t, status, m, 403, "PERMISSION_DENIED", "needs the MLFLOW_TRACKING_URI")
	if len(f.rec.kinds(EventMetric)) != 0 {
		t.Error("recorded after Close")
	}
}
