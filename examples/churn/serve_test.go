package churn_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// checkServePy starts src/serve.py on the run's model.pkl and checks that a
// dataframe_split request of every test row gets the labels of
// predictions.csv, and that a bad request gets a JSON error.
func checkServePy(t *testing.T, ex *example, r *pipeline.Run) {
	base := startServePy(t, ex, ex.output(t, r, "train_rf", "model.pkl"))
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

	status, raw = post(t, base+"/invocations", "application/json", []byte(`{"dataframe_split": {"columns": ["tenure"], "data": [[3]]}}`))
	var e struct {
		Code    string `json:"error_code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(raw, &e); status != http.StatusBadRequest || err != nil || e.Code != "BAD_REQUEST" {
		t.Errorf("a request missing columns: %d %s, want 400 with error_code BAD_REQUEST", status, raw)
	}
}

// startServePy runs serve.py on a free port and waits for /ping.
func startServePy(t *testing.T, ex *example, model string) string {
	t.Helper()
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, python, "src/serve.py", "--model", model, "--port", strconv.Itoa(port))
	cmd.Dir, cmd.Env = ex.dir, ex.env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.After(60 * time.Second)
	for {
		if resp, err := http.Get(base + "/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("serve.py exited: %v\n%s", err, logs.String())
		case <-deadline:
			t.Fatalf("serve.py did not answer /ping in 60s\n%s", logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
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
