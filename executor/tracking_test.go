package executor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// waitingTask is a task that writes its MLflow variables and pid into dir,
// then waits until dir/done exists.
func waitingTask(name, dir string) *pipeline.Task {
	t := sh(name, `echo "$MLFLOW_TRACKING_URI" > "$D/uri.tmp" && mv "$D/uri.tmp" "$D/uri"
echo "$MLFLOW_EXPERIMENT_NAME" > "$D/exp"
echo $$ > "$D/pid"
while [ ! -e "$D/done" ]; do sleep 0.02; done`)
	t.Env = map[string]string{"D": dir}
	t.Cache = false
	return t
}

// client sends calls as MLflow's Python client does: JSON bodies, GET
// fields in the query string, one keep-alive connection.
type client struct {
	t   *testing.T
	uri string
	hc  *http.Client
}

func (c *client) call(method, path, body, contentType string) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.uri+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("User-Agent", "mlflow-python-client/2.8.1")
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// step is one call of the reference sequence and the status it must get.
type step struct {
	method, path, body string
	status             int
}

// TestRun_mlflowClientSequence replays, in order, the calls the MLflow
// 2.8.1 client sends for set_experiment, start_run, log_param, log_metric
// with steps, log_artifact and sklearn's log_model (proxied artifacts),
// register_model, transition_model_version_stage and end_run, into a task
// of a real run, and checks the run record and the artifact store.
func TestRun_mlflowClientSequence(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	done := make(chan *pipeline.Run, 1)
	go func() { done <- e.run(pipe("churn", waitingTask("train", dir))) }()
	c := &client{t: t, uri: waitFile(t, filepath.Join(dir, "uri")), hc: &http.Client{}}
	if exp := waitFile(t, filepath.Join(dir, "exp")); exp != "churn" {
		t.Errorf("MLFLOW_EXPERIMENT_NAME = %q, want the pipeline's name", exp)
	}
	api := "/api/2.0/mlflow/"
	for _, s := range []step{
		{"GET", api + "experiments/get-by-name?experiment_name=peer-demo", "", 404},
		{"POST", api + "experiments/create", `{"name": "peer-demo"}`, 200},
		{"GET", api + "experiments/get?experiment_id=2", "", 200},
	} {
		if status, body := c.call(s.method, s.path, s.body, "application/json"); status != s.status {
			t.Fatalf("%s %s: %d %s", s.method, s.path, status, body)
		}
	}
	status, body := c.call("POST", api+"runs/create", `{"experiment_id": "2", "user_id": "root", "run_name": "sklearn-run", "start_time": 1795734188072, "tags": [{"key": "mlflow.user", "value": "root"}, {"key": "mlflow.source.name", "value": "workflow_a.py"}, {"key": "mlflow.source.type", "value": "LOCAL"}, {"key": "mlflow.runName", "value": "sklearn-run"}]}`, "application/json")
	var created struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	if err := json.Unmarshal(body, &created); err != nil || status != 200 {
		t.Fatalf("runs/create: %d %s", status, body)
	}
	run := created.Run.Info.RunID
	ids := `"run_uuid": "` + run + `", "run_id": "` + run + `"`
	mlmodel := "artifact_path: model\nflavors:\n  python_function: {loader_module: mlflow.sklearn, model_path: model.pkl}\n  sklearn: {pickled_model: model.pkl, serialization_format: cloudpickle}\nrun_id: " + run + "\n"
	pickle := strings.Repeat("\x80\x04pickle", 1000)
	arts := "/api/2.0/mlflow-artifacts/artifacts/2/" + run + "/artifacts/"
	seq := []step{
		{"POST", api + "runs/log-parameter", `{` + ids + `, "key": "flavor", "value": "sklearn"}`, 200},
		{"POST", api + "runs/log-parameter", `{` + ids + `, "key": "n_estimators", "value": "50"}`, 200},
		{"POST", api + "runs/log-metric", `{` + ids + `, "key": "loss", "value": 1.0, "timestamp": 1795734188237, "step": 0}`, 200},
		{"POST", api + "runs/log-metric", `{` + ids + `, "key": "loss", "value": 0.5, "timestamp": 1795734188307, "step": 1}`, 200},
		{"POST", api + "runs/log-metric", `{` + ids + `, "key": "loss", "value": 0.3333333333333333, "timestamp": 1795734188715, "step": 2}`, 200},
		{"POST", api + "runs/log-metric", `{` + ids + `, "key": "train_acc", "value": 0.952, "timestamp": 1795734188795, "step": 0}`, 200},
		{"GET", api + "runs/get?run_uuid=" + run + "&run_id=" + run, "", 200},
		{"PUT", arts + "notes.txt", "churn notes\n", 200},
		{"PUT", arts + "model/requirements.txt", "scikit-learn==1.2.1\n", 200},
		{"PUT", arts + "model/MLmodel", mlmodel, 200},
		{"PUT", arts + "model/python_env.yaml", "python: 3.11.2\n", 200},
		{"PUT", arts + "model/conda.yaml", "name: mlflow-env\n", 200},
		{"PUT", arts + "model/model.pkl", pickle, 200},
		{"POST", api + "runs/log-model", `{"run_id": "` + run + `", "model_json": "{\"run_id\": \"` + run + `\", \"artifact_path\": \"model\", \"flavors\": {\"sklearn\": {\"pickled_model\": \"model.pkl\"}}}"}`, 200},
		{"POST", api + "registered-models/create", `{"name": "peer-rf"}`, 200},
		{"GET", api + "runs/get?run_uuid=" + run + "&run_id=" + run, "", 200},
		{"POST", api + "model-versions/create", `{"name": "peer-rf", "source": "mlflow-artifacts:/2/` + run + `/artifacts/model", "run_id": "` + run + `"}`, 200},
		{"POST", api + "runs/update", `{` + ids + `, "status": "FINISHED", "end_time": 1795734189359}`, 200},
		{"POST", api + "registered-models/get-latest-versions", `{"name": "peer-rf", "stages": ["None"]}`, 200},
		{"POST", api + "model-versions/transition-stage", `{"name": "peer-rf", "version": "1", "stage": "Production", "archive_existing_versions": false}`, 200},
		{"GET", api + "runs/get?run_uuid=" + run + "&run_id=" + run, "", 200},
	}
	for i, s := range seq {
		ct := "application/json"
		if s.method == "PUT" {
			ct = "application/octet-stream"
		}
		if status, body := c.call(s.method, s.path, s.body, ct); status != s.status {
			t.Fatalf("call %d %s %s: %d %s", i+5, s.method, s.path, status, body)
		}
	}
	os.WriteFile(filepath.Join(dir, "done"), nil, 0o644)
	r := <-done
	tr := r.Task("train")
	if tr.Status != pipeline.StatusSuccess {
		t.Fatalf("task: %s %s", tr.Status, tr.Error)
	}
	checkReplayRecord(t, e, tr, run, map[string]string{"notes.txt": "churn notes\n", "model/MLmodel": mlmodel, "model/model.pkl": pickle})
	if out := e.out.String(); !strings.Contains(out, "[train] [mlcd] mlflow: the move to Production of peer-rf version 1 is recorded as a request") {
		t.Errorf("the task's log does not say the stage was only requested:\n%s", out)
	}
	checkReplayRegisters(t, e, r)
}

// checkReplayRegisters: the model the script registered through MLflow
// becomes a version as a model: block's would, its flavor read from
// MLmodel, sealed to the run record.
func checkReplayRegisters(t *testing.T, e *env, r *pipeline.Run) {
	t.Helper()
	r.Git = &pipeline.GitInfo{Commit: strings.Repeat("c", 40)} // the controller's runs have one
	_, versions, err := registry.RegisterFrom(context.Background(), nil, r, e.store)
	if err != nil || len(versions) != 1 {
		t.Fatalf("register the replayed run: %v, %d versions", err, len(versions))
	}
	v := versions[0]
	if v.Model != "peer-rf" || v.Version != 1 || v.Flavor != "sklearn" || v.Stage != registry.StageNone {
		t.Errorf("registered %s v%d, flavor %q, stage %s; want peer-rf v1, sklearn from MLmodel, None", v.Model, v.Version, v.Flavor, v.Stage)
	}
	want, err := registry.Registered(r, "train")
	if err != nil {
		t.Fatal(err)
	}
	want.Version, want.Flavor = v.Version, v.Flavor
	if d := registry.SealDiff(want, v); len(d) > 0 {
		t.Errorf("the registered version differs from its run record in %q", d)
	}
}

func checkReplayRecord(t *testing.T, e *env, tr *pipeline.TaskRecord, run string, files map[string]string) {
	t.Helper()
	if got := jsonString2(t, tr.Params); got != `{"flavor":"sklearn","n_estimators":50}` {
		t.Errorf("params: %s", got)
	}
	if tr.Metrics["loss"] != 0.3333333333333333 || tr.Metrics["train_acc"] != 0.952 {
		t.Errorf("metrics: %v", tr.Metrics)
	}
	h := tr.MetricHistory["loss"]
	if len(h) != 3 || h[1].Step != 1 || h[1].Value != 0.5 || !h[1].Time.Equal(time.UnixMilli(1795734188307)) {
		t.Errorf("history: %+v", h)
	}
	if len(tr.MLflowRuns) != 1 {
		t.Fatalf("mlflow runs: %+v", tr.MLflowRuns)
	}
	mr := tr.MLflowRuns[0]
	if mr.ID != run || mr.Name != "sklearn-run" || mr.Experiment != "peer-demo" || mr.Status != "FINISHED" ||
		!mr.End.Equal(time.UnixMilli(1795734189359)) || mr.Artifacts != "mlflow/"+run {
		t.Errorf("mlflow run: %+v", mr)
	}
	if tr.Model == nil || *tr.Model != (pipeline.ModelSpec{Name: "peer-rf", File: "mlflow/" + run + "/model"}) {
		t.Errorf("model: %+v", tr.Model)
	}
	if len(tr.StageRequests) != 1 || tr.StageRequests[0] != (pipeline.StageRequest{Model: "peer-rf", Stage: "Production"}) {
		t.Errorf("stage requests: %+v", tr.StageRequests)
	}
	for rel, content := range files {
		o := tr.Output("mlflow/" + run + "/" + rel)
		sum := sha256.Sum256([]byte(content))
		if o == nil || o.SHA256 != hex.EncodeToString(sum[:]) || o.Size != int64(len(content)) {
			t.Errorf("output %s: %+v", rel, o)
			continue
		}
		rc, err := e.store.Open(context.Background(), o.SHA256)
		if err != nil {
			t.Errorf("store %s: %v", rel, err)
			continue
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if string(data) != content {
			t.Errorf("store %s: %d bytes differ", rel, len(data))
		}
	}
}

func jsonString2(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRun_mlflowKilledTaskKeepsAcknowledgedMetrics kills a task after its
// metrics were acknowledged: they are in the record of the failed task.
func TestRun_mlflowKilledTaskKeepsAcknowledgedMetrics(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	done := make(chan *pipeline.Run, 1)
	go func() { done <- e.run(pipe("churn", waitingTask("train", dir))) }()
	c := &client{t: t, uri: waitFile(t, filepath.Join(dir, "uri")), hc: &http.Client{}}
	status, body := c.call("POST", "/api/2.0/mlflow/runs/create", `{"experiment_id": "0", "run_name": "fit"}`, "application/json")
	if status != 200 {
		t.Fatalf("runs/create: %d %s", status, body)
	}
	var created struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	json.Unmarshal(body, &created)
	run := created.Run.Info.RunID
	for step := range 5 {
		b := `{"run_id": "` + run + `", "key": "loss", "value": ` + strconv.Itoa(10-step) + `, "timestamp": 1795734188000, "step": ` + strconv.Itoa(step) + `}`
		if status, body := c.call("POST", "/api/2.0/mlflow/runs/log-metric", b, "application/json"); status != 200 {
			t.Fatalf("log-metric: %d %s", status, body)
		}
	}
	pid, _ := strconv.Atoi(waitFile(t, filepath.Join(dir, "pid")))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	r := <-done
	tr := r.Task("train")
	if tr.Status != pipeline.StatusFailed {
		t.Fatalf("task: %s", tr.Status)
	}
	if h := tr.MetricHistory["loss"]; len(h) != 5 || h[4].Value != 6 || tr.Metrics["loss"] != 6 {
		t.Errorf("acknowledged metrics lost: %v %+v", tr.Metrics, h)
	}
	if len(tr.MLflowRuns) != 1 || tr.MLflowRuns[0].Status != "RUNNING" {
		t.Errorf("mlflow runs: %+v", tr.MLflowRuns)
	}
}

// TestRun_mlflowEnvironment: each attempt has its own tracking URI; a
// task's env: may name its experiment; NoTracking leaves both unset.
func TestRun_mlflowEnvironment(t *testing.T) {
	e := newEnv(t)
	a := sh("a", `echo "$MLFLOW_TRACKING_URI" > "$MLCD_OUT/uri"; echo "$MLFLOW_EXPERIMENT_NAME" > "$MLCD_OUT/exp"`)
	b := sh("b", `echo "$MLFLOW_TRACKING_URI" > "$MLCD_OUT/uri"; echo "$MLFLOW_EXPERIMENT_NAME" > "$MLCD_OUT/exp"`)
	b.Env = map[string]string{"MLFLOW_EXPERIMENT_NAME": "mine"}
	r := e.run(pipe("churn", a, b))
	read := func(task, file string) string {
		o := r.Task(task).Output(file)
		rc, err := e.store.Open(context.Background(), o.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		data, _ := io.ReadAll(rc)
		return strings.TrimSpace(string(data))
	}
	ua, ub := read("a", "uri"), read("b", "uri")
	if !strings.HasPrefix(ua, "http://127.0.0.1:") || !strings.Contains(ua, "/t/") || ua == ub {
		t.Errorf("tracking URIs: %q %q", ua, ub)
	}
	if read("a", "exp") != "churn" || read("b", "exp") != "mine" {
		t.Errorf("experiments: %q %q", read("a", "exp"), read("b", "exp"))
	}
	r = e.run(pipe("churn", sh("c", `echo "[$MLFLOW_TRACKING_URI]" > "$MLCD_OUT/uri"`)), func(o *Options) { o.NoTracking = true })
	if u := read2(t, e, r, "c", "uri"); u != "[]" {
		t.Errorf("NoTracking: %q", u)
	}
}

func read2(t *testing.T, e *env, r *pipeline.Run, task, file string) string {
	t.Helper()
	o := r.Task(task).Output(file)
	rc, err := e.store.Open(context.Background(), o.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, _ := io.ReadAll(rc)
	return strings.TrimSpace(string(data))
}

func TestParseLog_trackingEntries(t *testing.T) {
	first, second := strings.Repeat("a", 32), strings.Repeat("b", 32)
	log := `{"kind":"mlflow_run","name":"` + first + `","value":"{\"id\":\"` + first + `\",\"name\":\"main\",\"experiment\":\"x\",\"status\":\"RUNNING\",\"artifacts\":\"mlflow/` + first + `\"}","time":"2026-12-06T00:00:00Z"}
{"kind":"mlflow_run","name":"` + second + `","value":"{\"id\":\"` + second + `\",\"name\":\"cv\",\"experiment\":\"x\",\"prefix\":\"cv/\",\"status\":\"RUNNING\",\"artifacts\":\"mlflow/` + second + `\"}","time":"2026-12-06T00:00:00Z"}
{"kind":"metric","name":"loss","value":"0.5","step":3,"time":"2026-12-06T00:00:01Z","run":"` + first + `"}
{"kind":"metric","name":"loss","value":"0.7","step":0,"time":"2026-12-06T00:00:01Z","run":"` + second + `"}
{"kind":"param","name":"lr","value":"0.1","time":"2026-12-06T00:00:01Z","run":"` + second + `"}
{"kind":"mlflow_run","name":"` + first + `","value":"{\"id\":\"` + first + `\",\"name\":\"main\",\"experiment\":\"x\",\"status\":\"FINISHED\",\"artifacts\":\"mlflow/` + first + `\"}","time":"2026-12-06T00:00:02Z"}
{"kind":"model","name":"m","value":"mlflow/` + first + `/model","time":"2026-12-06T00:00:02Z"}
{"kind":"stage_request","name":"m","value":"{\"model\":\"m\",\"stage\":\"Production\"}","time":"2026-12-06T00:00:02Z"}
`
	var rep report
	if err := parseLog([]byte(log), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Metrics["loss"] != 0.5 || rep.Metrics["cv/loss"] != 0.7 || rep.Params["cv/lr"] != 0.1 {
		t.Errorf("names: %v %v", rep.Metrics, rep.Params)
	}
	if len(rep.MLflowRuns) != 2 || rep.MLflowRuns[0].Status != "FINISHED" || rep.MLflowRuns[1].Prefix != "cv/" {
		t.Errorf("runs: %+v", rep.MLflowRuns)
	}
	if rep.Model == nil || rep.Model.File != "mlflow/"+first+"/model" || len(rep.StageRequests) != 1 {
		t.Errorf("model %+v, requests %+v", rep.Model, rep.StageRequests)
	}
	for _, bad := range []string{
		`{"kind":"mlflow_run","name":"x","value":"{\"id\":\"y\"}","time":"2026-12-06T00:00:00Z"}`,
		`{"kind":"model","name":"m","value":"../outside","time":"2026-12-06T00:00:00Z"}`,
		`{"kind":"stage_request","name":"m","value":"nope","time":"2026-12-06T00:00:00Z"}`,
	} {
		if err := parseLog([]byte("\n"+bad+"\n"), &report{}); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestAppendMetricLine holds the hand-written metric line to json.Marshal's.
func TestAppendMetricLine(t *testing.T) {
	step := int64(-3)
	for _, e := range []LogEntry{
		{Kind: LogMetric, Name: "loss", Value: "0.3333333333333333", Step: &step, Time: time.Date(2026, 12, 6, 1, 2, 3, 4000000, time.UTC), Run: strings.Repeat("a", 32)},
		{Kind: LogMetric, Name: "cv/train acc", Value: "1e-07", Step: &step, Time: time.UnixMilli(1795734188072).UTC()},
	} {
		got, ok := appendMetricLine(nil, e)
		want, _ := json.Marshal(e)
		if !ok || string(got) != string(want)+"\n" {
			t.Errorf("appendMetricLine = %q, %v; json.Marshal = %q", got, ok, want)
		}
	}
	for _, e := range []LogEntry{
		{Kind: LogMetric, Name: `a"b`, Value: "1", Step: &step},
		{Kind: LogMetric, Name: "é", Value: "1", Step: &step},
		{Kind: LogParam, Name: "p", Value: "1"},
	} {
		if _, ok := appendMetricLine(nil, e); ok {
			t.Errorf("%+v was written by hand", e)
		}
	}
}
