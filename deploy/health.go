package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mlcd-dev/mlcd/registry"
)

// check is the health check of a started instance: /ping answers 200,
// then, when the version has an input example, a prediction on it answers
// 200 with one prediction per input row.
func (d *Deployer) check(ctx context.Context, in *instance, v *registry.Version) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.HealthTimeout)
	defer cancel()
	if rec := call(ctx, in.handler, http.MethodGet, "/ping", nil); rec.status != http.StatusOK {
		return fmt.Errorf("health check: /ping answered %d: %s", rec.status, rec.snippet())
	}
	body, err := d.example(ctx, in, v)
	if err != nil || body == nil {
		return err
	}
	name := v.InputExample
	if name == "" {
		name = "the input example saved with the model"
	}
	rows, err := exampleRows(body)
	if err != nil {
		return fmt.Errorf("health check: input example %s: %w", name, err)
	}
	rec := call(ctx, in.handler, http.MethodPost, "/invocations", body)
	if rec.status != http.StatusOK {
		return fmt.Errorf("health check: prediction on %s answered %d: %s", name, rec.status, rec.snippet())
	}
	n, err := predictionCount(rec.body.Bytes())
	if err != nil {
		return fmt.Errorf("health check: prediction on %s: %w", name, err)
	}
	if n != rows {
		return fmt.Errorf("health check: prediction on %s: %d predictions for %d rows", name, n, rows)
	}
	return nil
}

// example is the body of the health check's prediction: the version's
// input example, else the one saved in its MLflow model folder, else nil.
func (d *Deployer) example(ctx context.Context, in *instance, v *registry.Version) ([]byte, error) {
	if v.InputExample == "" || d.cfg.Example == nil {
		return in.example, nil
	}
	body, err := d.cfg.Example(ctx, v)
	if err != nil {
		return nil, fmt.Errorf("health check: input example: %w", err)
	}
	return body, nil
}

// call runs one request through h in process.
func call(ctx context.Context, h http.Handler, method, path string, body []byte) *recorder {
	req, _ := http.NewRequestWithContext(ctx, method, path, bytes.NewReader(body))
	req.Host = "127.0.0.1"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	h.ServeHTTP(rec, req)
	return rec
}

// recorder is a ResponseWriter that keeps the answer.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) snippet() string {
	s := strings.TrimSpace(r.body.String())
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// exampleRows counts the input rows of a scoring request body.
func exampleRows(body []byte) (int, error) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return 0, fmt.Errorf("not a JSON object: %w", err)
	}
	for _, k := range []string{"dataframe_split", "dataframe_records", "instances", "inputs"} {
		raw, ok := req[k]
		if !ok {
			continue
		}
		if k == "dataframe_split" {
			var split struct {
				Data []json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(raw, &split); err != nil {
				return 0, fmt.Errorf("dataframe_split: %w", err)
			}
			return len(split.Data), nil
		}
		return countRows(k, raw)
	}
	return 0, errors.New("no dataframe_split, dataframe_records, instances or inputs")
}

// countRows counts a list of rows, or the length of the columns of an
// object of columns.
func countRows(key string, raw json.RawMessage) (int, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err == nil {
		return len(list), nil
	}
	var cols map[string][]json.RawMessage
	if err := json.Unmarshal(raw, &cols); err != nil {
		return 0, fmt.Errorf("%s: neither rows nor columns", key)
	}
	for _, c := range cols {
		return len(c), nil
	}
	return 0, fmt.Errorf("%s: no columns", key)
}

// predictionCount is the length of the predictions list of an answer.
func predictionCount(body []byte) (int, error) {
	var resp struct {
		Predictions *[]json.RawMessage `json:"predictions"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.Predictions == nil {
		return 0, fmt.Errorf("answer has no predictions list: %.200s", body)
	}
	return len(*resp.Predictions), nil
}
