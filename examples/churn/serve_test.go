package churn_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/deploy/sklearn"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// checkSklearn serves the run's model.pkl with mlcd's sklearn flavor (real
// Python workers) and checks that a dataframe_split request of every test
// row gets the labels of predictions.csv, and that bad requests get
// MLflow's errors.
func checkSklearn(t *testing.T, ex *example, r *pipeline.Run) {
	base := startSklearn(t, ex, ex.output(t, r, "train_rf", "model.pkl"))
	body := splitRequest(t, readFile(t, ex.output(t, r, "features", "test.csv")))
	var got struct {
		Predictions []float64 `json:"predictions"`
	}
	status, raw := post(t, base+"/invocations", "application/json", body)
	if status != http.StatusOK {
		t.Fatalf("POST /invocations: %d %s", status, raw)
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	want := predictions(t, ex.output(t, r, "train_rf", "predictions.csv"))
	if len(got.Predictions) != len(want) {
		t.Fatalf("%d predictions, predictions.csv has %d", len(got.Predictions), len(want))
	}
	for i := range want {
		if got.Predictions[i] != want[i] {
			t.Fatalf("row %d: served label %v, trainer's %v", i, got.Predictions[i], want[i])
		}
	}

	checkProtocol(t, base)
}

// checkProtocol sends one row in each request shape of the scoring
// protocol (all must give the same label), and requests that must fail.
func checkProtocol(t *testing.T, base string) {
	row := `"gender": 0, "senior_citizen": 0, "partner": 0, "dependents": 0, "tenure": 5, "contract": 0, "payment_method": 1, "internet_service": 1, "paperless_billing": 1, "monthly_charges": 70.5, "total_charges": 352.5, "support_calls": 2`
	cols := `["gender", "senior_citizen", "partner", "dependents", "tenure", "contract", "payment_method", "internet_service", "paperless_billing", "monthly_charges", "total_charges", "support_calls"]`
	vals := `[0, 0, 0, 0, 5, 0, 1, 1, 1, 70.5, 352.5, 2]`
	header := "gender,senior_citizen,partner,dependents,tenure,contract,payment_method,internet_service,paperless_billing,monthly_charges,total_charges,support_calls\n"
	tests := []struct {
		name, ctype, body string
		status            int
		code              string // error_code, "" for a 200 or a plain-text answer
	}{
		{"dataframe_split", "application/json", `{"dataframe_split": {"columns": ` + cols + `, "data": [` + vals + `]}}`, 200, ""},
		{"dataframe_records", "application/json", `{"dataframe_records": [{` + row + `}]}`, 200, ""},
		{"instances as records", "application/json", `{"instances": [{` + row + `}]}`, 200, ""},
		{"instances as rows", "application/json; charset=utf-8", `{"instances": [` + vals + `]}`, 200, ""},
		{"inputs as columns", "application/json", `{"inputs": {` + strings.NewReplacer(": ", ": [", ", ", "], ").Replace(row) + `]}}`, 200, ""},
		{"csv", "text/csv", header + "0,0,0,0,5,0,1,1,1,70.5,352.5,2\n", 200, ""},
		{"missing columns", "application/json", `{"dataframe_split": {"columns": ["tenure"], "data": [[3]]}}`, 400, "BAD_REQUEST"},
		{"two keys", "application/json", `{"instances": [` + vals + `], "inputs": [` + vals + `]}`, 400, "BAD_REQUEST"},
		{"malformed json", "application/json", `{"instances": [`, 400, "BAD_REQUEST"},
		{"a string value", "application/json", `{"instances": [[0, 0, 0, 0, "five", 0, 1, 1, 1, 70.5, 352.5, 2]]}`, 400, "BAD_REQUEST"},
		{"a row too short", "application/json", `{"instances": [[0, 1]]}`, 400, "BAD_REQUEST"},
		{"a missing value the forest refuses", "application/json", `{"instances": [[0, 0, 0, 0, null, 0, 1, 1, 1, 70.5, 352.5, 2]]}`, 400, "BAD_REQUEST"},
		{"wrong content type", "text/plain", "x", 415, ""},
	}
	labels := map[int][]string{}
	for _, tt := range tests {
		status, raw := post(t, base+"/invocations", tt.ctype, []byte(tt.body))
		if status != tt.status {
			t.Errorf("%s: status %d %s, want %d", tt.name, status, raw, tt.status)
			continue
		}
		var got struct {
			Predictions []int  `json:"predictions"`
			Code        string `json:"error_code"`
		}
		if tt.status == 415 {
			continue // plain text, as MLflow answers
		}
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Errorf("%s: answer %s: %v", tt.name, raw, err)
			continue
		}
		if tt.code != got.Code {
			t.Errorf("%s: answer %s, want error_code %q", tt.name, raw, tt.code)
		}
		if tt.status != 200 {
			continue
		}
		if len(got.Predictions) != 1 {
			t.Errorf("%s: answer %s, want one prediction", tt.name, raw)
			continue
		}
		labels[got.Predictions[0]] = append(labels[got.Predictions[0]], tt.name)
	}
	if len(labels) != 1 {
		t.Errorf("one row in several shapes got different labels: %v", labels)
	}
	for path, want := range map[string]int{"/ping": 200, "/health": 200, "/version": 200, "/nope": 404} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// startSklearn serves model with mlcd's sklearn flavor over loopback HTTP.
func startSklearn(t *testing.T, ex *example, model string) string {
	t.Helper()
	m, err := sklearn.Start(context.Background(), sklearn.Config{Model: model, Python: python, Dir: ex.dir, Env: ex.env, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	srv := httptest.NewServer(scoring.Handler(m, scoring.Options{}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// splitRequest turns a CSV with a header into a dataframe_split request.
func splitRequest(t *testing.T, data []byte) []byte {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("test.csv: %d rows, %v", len(rows), err)
	}
	values := make([][]float64, 0, len(rows)-1)
	for _, row := range rows[1:] {
		vals := make([]float64, len(row))
		for i, s := range row {
			if vals[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("test.csv: %v", err)
			}
		}
		values = append(values, vals)
	}
	body, err := json.Marshal(map[string]any{"dataframe_split": map[string]any{"columns": rows[0], "data": values}})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func post(t *testing.T, url, ctype string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}
