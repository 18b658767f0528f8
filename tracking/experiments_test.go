package tracking

import (
	"net/http"
	"testing"
)

func TestServer_experimentsSequence(t *testing.T) {
	f := newFixture(t)
	// #1: get-by-name of an unknown experiment is a 404 the client turns into None.
	status, m := f.do("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=peer-demo", "")
	if status != http.StatusNotFound || jsonOf(t, m) != `{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Could not find experiment with name 'peer-demo'"}` {
		t.Fatalf("get-by-name: %d %s", status, jsonOf(t, m))
	}
	// #2: create.
	m = f.mustOK("POST", "/api/2.0/mlflow/experiments/create", `{"name": "peer-demo"}`)
	id, _ := m["experiment_id"].(string)
	if id == "" || id == "0" {
		t.Fatalf("create: %v", m)
	}
	// #3: get by id.
	m = f.mustOK("GET", "/api/2.0/mlflow/experiments/get?experiment_id="+id, "")
	if dig(m, "experiment", "name") != "peer-demo" || dig(m, "experiment", "lifecycle_stage") != "active" ||
		dig(m, "experiment", "artifact_location") != "mlflow-artifacts:/"+id {
		t.Errorf("get: %v", m)
	}
	// Now it exists by name, and again is RESOURCE_ALREADY_EXISTS (400).
	m = f.mustOK("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=peer-demo", "")
	if dig(m, "experiment", "experiment_id") != id {
		t.Errorf("get-by-name after create: %v", m)
	}
	status, m = f.do("POST", "/api/2.0/mlflow/experiments/create", `{"name": "peer-demo"}`)
	wantError(t, status, m, 400, "RESOURCE_ALREADY_EXISTS", "peer-demo")
	// The pipeline's experiment (MLFLOW_EXPERIMENT_NAME's default) and "0" exist from the start.
	m = f.mustOK("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn", "")
	if dig(m, "experiment", "name") != "churn" {
		t.Errorf("pipeline experiment: %v", m)
	}
	m = f.mustOK("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", "")
	if dig(m, "experiment", "name") != "Default" {
		t.Errorf("experiment 0: %v", m)
	}
	status, m = f.do("GET", "/api/2.0/mlflow/experiments/get?experiment_id=99", "")
	wantError(t, status, m, 404, "RESOURCE_DOES_NOT_EXIST", "99")
	m = f.mustOK("POST", "/api/2.0/mlflow/experiments/search", `{"max_results": 10}`)
	if exps, _ := m["experiments"].([]any); len(exps) != 3 {
		t.Errorf("search: %v", m)
	}
	// Missing required fields are INVALID_PARAMETER_VALUE.
	status, m = f.do("POST", "/api/2.0/mlflow/experiments/create", `{}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", "'name'")
	// Experiments change no record.
	if len(f.rec.events) != 0 {
		t.Errorf("recorded %v", f.rec.events)
	}
}

func TestServer_unknownEndpoint(t *testing.T) {
	f := newFixture(t)
	for _, c := range [][2]string{
		{"POST", "/api/2.0/mlflow/runs/delete"},
		{"GET", "/api/2.0/mlflow/runs/log-metric"}, // wrong method
		{"POST", "/api/2.0/mlflow/logged-models"},
		{"GET", "/api/3.0/mlflow/server-info"},
	} {
		status, m := f.do(c[0], c[1], `{}`)
		wantError(t, status, m, 404, "ENDPOINT_NOT_FOUND", c[1])
	}
	// The UI's prefix reaches the same handlers.
	f.mustOK("GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", "")
}

func TestServer_badRequests(t *testing.T) {
	f := newFixture(t)
	status, m := f.do("POST", "/api/2.0/mlflow/experiments/create", `{"name": `)
	wantError(t, status, m, 400, "BAD_REQUEST", "malformed JSON")
	status, m = f.do("POST", "/api/2.0/mlflow/experiments/create", `{"name": 3}`)
	wantError(t, status, m, 400, "INVALID_PARAMETER_VALUE", `"name" must be a string`)
	// Unknown fields are ignored, as the server parses with ignore_unknown_fields.
	f.mustOK("POST", "/api/2.0/mlflow/experiments/create", `{"name": "x", "model_id": "m-1", "whatever": {"a": 1}}`)
	// A token that is not a live attempt's is refused.
	status, m = doURL(t, "POST", f.srv.URL()+"/t/0123/api/2.0/mlflow/runs/create", `{}`)
	wantError(t, status, m, 403, "PERMISSION_DENIED", "tracking URI")
}
