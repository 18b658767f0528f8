package tracking

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// logModel PUTs an MLflow model folder into run id, as log_model does in
// proxied mode.
func (f *fixture) logModel(id, folder string) {
	f.t.Helper()
	base := f.sess.URI() + artifactsPrefix + "/0/" + id + "/artifacts/" + folder
	for name, content := range map[string]string{"MLmodel": "flavors:\n  sklearn: {pickled_model: model.pkl}\n", "model.pkl": "pickle"} {
		if status, body := doRaw(f.t, "PUT", base+"/"+name, content, "application/octet-stream"); status != http.StatusOK {
			f.t.Fatalf("PUT %s: %d %s", name, status, body)
		}
	}
}

func TestServer_registerModel(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	f.logModel(id, "model")
	// #13: a new model; an existing one (in the checkout, or created now) is RESOURCE_ALREADY_EXISTS (400).
	m := f.mustOK("POST", "/api/2.0/mlflow/registered-models/create", `{"name": "peer-rf"}`)
	if dig(m, "registered_model", "name") != "peer-rf" || dig(m, "registered_model", "creation_timestamp") == nil {
		t.Errorf("create: %v", m)
	}
	for _, name := range []string{"peer-rf", "churn-rf"} {
		status, m := f.do("POST", "/api/2.0/mlflow/registered-models/create", `{"name": "`+name+`"}`)
		wantError(t, status, m, 400, "RESOURCE_ALREADY_EXISTS", name)
	}
	status, m := f.do("POST", "/api/2.0/mlflow/registered-models/create", `{"name": "../evil"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "model name")
	// A source without MLmodel, outside the run, or of another form is refused.
	for _, c := range []struct{ source, msg string }{
		{"mlflow-artifacts:/0/" + id + "/artifacts/nothing", "no MLmodel"},
		{"mlflow-artifacts:/0/" + id + "/artifacts/model/../../x", "bad artifact path"},
		{"/tmp/mlruns/0/" + id + "/artifacts/model", "want runs:/"},
		{"runs:/" + strings.Repeat("0", 32) + "/model", "not found"},
	} {
		status, m := f.do("POST", "/api/2.0/mlflow/model-versions/create", `{"name": "peer-rf", "source": "`+c.source+`", "run_id": "`+id+`"}`)
		if status == http.StatusOK || !strings.Contains(m["message"].(string), c.msg) {
			t.Errorf("source %s: %d %v", c.source, status, m)
		}
	}
	if len(f.rec.kinds(EventModel)) != 0 {
		t.Fatal("a refused version was recorded")
	}
	// #15: the version is the task's model: the folder, flavor left to MLmodel.
	m = f.mustOK("POST", "/api/2.0/mlflow/model-versions/create", `{"name": "peer-rf", "source": "mlflow-artifacts:/0/`+id+`/artifacts/model", "run_id": "`+id+`"}`)
	mv := m["model_version"].(map[string]any)
	if mv["name"] != "peer-rf" || mv["version"] != "1" || mv["current_stage"] != "None" || mv["status"] != "READY" ||
		mv["source"] != "mlflow-artifacts:/0/"+id+"/artifacts/model" || mv["run_id"] != id || mv["description"] != "" || mv["run_link"] != "" {
		t.Errorf("model version: %v", mv)
	}
	models := f.rec.kinds(EventModel)
	if len(models) != 1 || *models[0].Model != (pipeline.ModelSpec{Name: "peer-rf", File: "mlflow/" + id + "/model"}) {
		t.Errorf("recorded model: %+v", models)
	}
	if len(f.rec.notes) != 1 || !strings.Contains(f.rec.notes[0], "peer-rf version 1") {
		t.Errorf("notes: %q", f.rec.notes)
	}
	// One model per task.
	status, m = f.do("POST", "/api/2.0/mlflow/model-versions/create", `{"name": "peer-rf", "source": "runs:/`+id+`/model"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "registers model peer-rf already")

	// A model of the checkout is numbered after its versions (runs:/ source form).
	g := newFixture(t)
	gid := g.createRun("r")
	g.logModel(gid, "m")
	m = g.mustOK("POST", "/api/2.0/mlflow/model-versions/create", `{"name": "churn-rf", "source": "runs:/`+gid+`/m", "run_id": "`+gid+`"}`)
	if dig(m, "model_version", "version") != "2" {
		t.Errorf("numbered after the checkout: %v", m)
	}
}

func TestServer_registerModel_taskWithModelBlock(t *testing.T) {
	f := newFixtureIn(t, t.TempDir(), &pipeline.ModelSpec{Name: "churn-xgb", File: "model.json", Flavor: "xgboost"})
	id := f.createRun("r")
	f.logModel(id, "model")
	f.mustOK("POST", "/api/2.0/mlflow/registered-models/create", `{"name": "peer-rf"}`)
	status, m := f.do("POST", "/api/2.0/mlflow/model-versions/create", `{"name": "peer-rf", "source": "runs:/`+id+`/model"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "declares model churn-xgb in mlcd.yaml")
}

func TestServer_registryReads(t *testing.T) {
	f := newFixture(t)
	// get-latest-versions, POST (the client) and GET (repeated stages in the query).
	m := f.mustOK("POST", "/api/2.0/mlflow/registered-models/get-latest-versions", `{"name": "churn-rf", "stages": ["Production"]}`)
	vs, _ := m["model_versions"].([]any)
	if len(vs) != 1 || dig(vs[0], "version") != "1" || dig(vs[0], "current_stage") != "Production" ||
		dig(vs[0], "source") != "mlcd://20261101T000000.000Z-aaaaaa/train_rf/model.pkl" || dig(vs[0], "creation_timestamp") != float64(1793491200000) {
		t.Errorf("latest Production: %v", m)
	}
	m = f.mustOK("GET", "/api/2.0/mlflow/registered-models/get-latest-versions?name=churn-rf&stages=None&stages=Staging", "")
	if len(m) != 0 {
		t.Errorf("latest None/Staging: %v", m)
	}
	status, m := f.do("POST", "/api/2.0/mlflow/registered-models/get-latest-versions", `{"name": "churn-rf", "stages": ["Prod"]}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "Prod")
	status, m = f.do("POST", "/api/2.0/mlflow/registered-models/get-latest-versions", `{"name": "nope"}`)
	wantError(t, status, m, 404, "RESOURCE_DOES_NOT_EXIST", "nope")
	m = f.mustOK("GET", "/api/2.0/mlflow/model-versions/get?name=churn-rf&version=1", "")
	if dig(m, "model_version", "current_stage") != "Production" || jsonOf(t, dig(m, "model_version", "aliases")) != `["champion"]` {
		t.Errorf("get: %v", m)
	}
	status, m = f.do("GET", "/api/2.0/mlflow/model-versions/get?name=churn-rf&version=7", "")
	wantError(t, status, m, 404, "RESOURCE_DOES_NOT_EXIST", "version=7")
	m = f.mustOK("GET", "/api/2.0/mlflow/model-versions/get-download-uri?name=churn-rf&version=1", "")
	if m["artifact_uri"] != "mlcd://20261101T000000.000Z-aaaaaa/train_rf/model.pkl" {
		t.Errorf("download uri: %v", m)
	}
	m = f.mustOK("GET", "/api/2.0/mlflow/registered-models/get?name=churn-rf", "")
	if jsonOf(t, dig(m, "registered_model", "aliases")) != `[{"alias":"champion","version":"1"}]` {
		t.Errorf("registered model: %v", m)
	}
	m = f.mustOK("GET", "/api/2.0/mlflow/registered-models/alias?name=churn-rf&alias=champion", "")
	if dig(m, "model_version", "version") != "1" {
		t.Errorf("alias: %v", m)
	}
	status, m = f.do("GET", "/api/2.0/mlflow/registered-models/alias?name=churn-rf&alias=challenger", "")
	wantError(t, status, m, 404, "RESOURCE_DOES_NOT_EXIST", "challenger")
}

func TestServer_stageRequests(t *testing.T) {
	f := newFixture(t)
	id := f.createRun("r")
	f.logModel(id, "model")
	f.mustOK("POST", "/api/2.0/mlflow/registered-models/create", `{"name": "peer-rf"}`)
	f.mustOK("POST", "/api/2.0/mlflow/model-versions/create", `{"name": "peer-rf", "source": "runs:/`+id+`/model", "run_id": "`+id+`"}`)
	// #17: the new version is the latest None one.
	m := f.mustOK("POST", "/api/2.0/mlflow/registered-models/get-latest-versions", `{"name": "peer-rf", "stages": ["None"]}`)
	if vs, _ := m["model_versions"].([]any); len(vs) != 1 || dig(vs[0], "version") != "1" {
		t.Fatalf("latest None: %v", m)
	}
	// #18: the move to Production is a request; the stage stays None, and the response and the task's log say so.
	m = f.mustOK("POST", "/api/2.0/mlflow/model-versions/transition-stage", `{"name": "peer-rf", "version": "1", "stage": "Production", "archive_existing_versions": false}`)
	if dig(m, "model_version", "current_stage") != "None" || !strings.Contains(dig(m, "model_version", "status_message").(string), "promotion pull request") {
		t.Errorf("transition: %v", m)
	}
	// An alias of a version of the checkout.
	f.mustOK("POST", "/api/2.0/mlflow/registered-models/alias", `{"name": "churn-rf", "alias": "challenger", "version": "1"}`)
	reqs := f.rec.kinds(EventRequest)
	if len(reqs) != 2 || *reqs[0].Request != (pipeline.StageRequest{Model: "peer-rf", Stage: "Production"}) ||
		*reqs[1].Request != (pipeline.StageRequest{Model: "churn-rf", Version: 1, Alias: "challenger"}) {
		t.Errorf("requests: %+v %+v", reqs[0].Request, reqs[1].Request)
	}
	if len(f.rec.notes) != 3 || !strings.Contains(f.rec.notes[1], "move to Production") || !strings.Contains(f.rec.notes[2], "alias challenger") {
		t.Errorf("notes: %q", f.rec.notes)
	}
	// Git still says what it said: the alias is not set until its pull request is merged.
	status, m := f.do("GET", "/api/2.0/mlflow/registered-models/alias?name=churn-rf&alias=challenger", "")
	wantError(t, status, m, 404, "RESOURCE_DOES_NOT_EXIST", "challenger")
	for _, c := range []struct{ body, code, msg string }{
		{`{"name": "peer-rf", "version": "1", "stage": "Live"}`, "INVALID_PARAMETER_VALUE", "Live"},
		{`{"name": "peer-rf", "version": "9", "stage": "Staging"}`, "RESOURCE_DOES_NOT_EXIST", "version=9"},
	} {
		status, m := f.do("POST", "/api/2.0/mlflow/model-versions/transition-stage", c.body)
		if status == 200 || m["error_code"] != c.code || !strings.Contains(m["message"].(string), c.msg) {
			t.Errorf("%s: %d %v", c.body, status, m)
		}
	}
	status, m = f.do("POST", "/api/2.0/mlflow/registered-models/alias", `{"name": "churn-rf", "alias": "latest", "version": "1"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "reserved")
	// Another task may not ask for the stage of this task's new version.
	other := f.srv.Open(Task{Name: "other", Attempt: 1, OutDir: t.TempDir(), Recorder: &memRecorder{}})
	status, m = doURL(t, "POST", other.URI()+"/api/2.0/mlflow/model-versions/transition-stage", `{"name": "peer-rf", "version": "1", "stage": "Production"}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "registered by task train")
}
