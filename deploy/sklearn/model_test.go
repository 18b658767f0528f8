package sklearn

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

func TestModel_PredictsAsSklearn(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	var rows [][]float64
	var want expected
	readJSON(t, filepath.Join(dir, "rows.json"), &rows)
	readJSON(t, filepath.Join(dir, "expected.json"), &want)
	tests := []struct {
		name, file, method string
		cols               []string
		check              func(t *testing.T, body string)
	}{
		{"classifier labels", "rf_frame.pkl", "", columns, func(t *testing.T, body string) {
			if diff := cmp.Diff(want.Predict, predictions[float64](t, body)); diff != "" {
				t.Errorf("predict (-sklearn +served):\n%s", diff)
			}
		}},
		{"predict_proba", "rf_frame.pkl", MethodPredictProba, columns, func(t *testing.T, body string) {
			if diff := cmp.Diff(want.PredictProba, predictions[[]float64](t, body), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("predict_proba (-sklearn +served):\n%s", diff)
			}
		}},
		{"regressor from joblib, positional", "ridge.joblib", "", []string{"x", "y", "z", "v", "w"}, func(t *testing.T, body string) {
			if diff := cmp.Diff(want.Ridge, predictions[float64](t, body), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("ridge (-sklearn +served):\n%s", diff)
			}
		}},
		{"string labels", "labels.pkl", "", nil, func(t *testing.T, body string) {
			if diff := cmp.Diff(want.Labels, predictions[string](t, body)); diff != "" {
				t.Errorf("labels (-sklearn +served):\n%s", diff)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, srv := serving(t, tc.file, Config{Method: tc.method})
			cols := tc.cols
			if cols == nil {
				cols = []string{"0", "1", "2", "3", "4"}
			}
			status, body := post(t, srv.URL, cols, rows)
			if status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			tc.check(t, body)
		})
	}
}

func TestModel_healthNamesProbabilityColumns(t *testing.T) {
	t.Parallel()
	_, srv := serving(t, "rf_frame.pkl", Config{Method: MethodPredictProba, Version: "4"})
	status, body := get(t, srv.URL+"/health")
	if want := `{"status":"ok","model_version":"4","outputs":["0","1"]}` + "\n"; status != 200 || body != want {
		t.Errorf("GET /health = %d %q, want %q", status, body, want)
	}
	// A column the model was fitted with is missing: the Go gateway says
	// so, as for every flavor.
	status, body = post(t, srv.URL, []string{"a", "b"}, [][]float64{{1, 2}})
	if status != 400 || !strings.Contains(body, "Model is missing inputs ['c', 'd', 'e']") {
		t.Errorf("missing columns = %d %s", status, body)
	}
}

// TestModel_MicroBatches: requests sent together are scored in one predict
// call, and each gets its own rows' predictions back.
func TestModel_MicroBatches(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	var rows [][]float64
	var want expected
	readJSON(t, filepath.Join(dir, "rows.json"), &rows)
	readJSON(t, filepath.Join(dir, "expected.json"), &want)
	calls := filepath.Join(t.TempDir(), "calls")
	// The batch closes when it holds MaxBatch rows; the long wait makes
	// that the only way it closes, whatever the machine's speed.
	const n = 8
	_, srv := serving(t, "recording.pkl", Config{MaxBatch: 2 * n, BatchWait: time.Minute,
		Env: append(os.Environ(), "MLCD_TEST_CALLS="+calls)})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := rows[2*i : 2*i+2]
			status, body := post(t, srv.URL, columns, mine)
			got := predictions[float64](t, body)
			if status != 200 || !cmp.Equal(got, want.Predict[2*i:2*i+2]) {
				errs <- fmt.Errorf("request %d: %d %s, want %v", i, status, body, want.Predict[2*i:2*i+2])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(b)); !cmp.Equal(got, []string{strconv.Itoa(2 * n)}) {
		t.Errorf("predict calls (rows each) = %v, want one call of %d rows", got, 2*n)
	}
}

// TestModel_modelErrorFailsOnlyItsRequest: when the model raises on one
// request of a batch, that request gets MLflow's 400 and the others their
// predictions.
func TestModel_modelErrorFailsOnlyItsRequest(t *testing.T) {
	t.Parallel()
	_, srv := serving(t, "picky.pkl", Config{MaxBatch: 2, BatchWait: time.Minute})
	type answer struct {
		status int
		body   string
	}
	bad, good := make(chan answer, 1), make(chan answer, 1)
	go func() {
		s, b := post(t, srv.URL, columns, [][]float64{{13, 0, 0, 0, 0}})
		bad <- answer{s, b}
	}()
	go func() {
		s, b := post(t, srv.URL, columns, [][]float64{{1, 0, 0, 0, 0}})
		good <- answer{s, b}
	}()
	if a := <-bad; a.status != 400 || !strings.Contains(a.body, "ValueError: 13 is unlucky") ||
		!strings.Contains(a.body, "Encountered an unexpected error while evaluating the model") {
		t.Errorf("the request the model refuses = %d %s, want 400 with the model's error", a.status, a.body)
	}
	if a := <-good; a.status != 200 {
		t.Errorf("the other request of the batch = %d %s, want 200", a.status, a.body)
	}
}

// TestModel_workerCrash: a worker that dies answers its requests 503 at
// once and is replaced; the model then serves again.
func TestModel_workerCrash(t *testing.T) {
	t.Parallel()
	pids := filepath.Join(t.TempDir(), "pids")
	m, srv := serving(t, "crashy.pkl", Config{Env: append(os.Environ(), "MLCD_TEST_PIDS="+pids)})
	status, body := post(t, srv.URL, columns, [][]float64{{666, 0, 0, 0, 0}})
	if status != 503 || !strings.Contains(body, "TEMPORARILY_UNAVAILABLE") || !strings.Contains(body, "worker died") {
		t.Fatalf("request that kills the worker = %d %s, want 503", status, body)
	}
	waitFor(t, "a replacement worker", func() bool { return m.Restarts() == 1 && m.Ready() })
	if status, body := post(t, srv.URL, columns, [][]float64{{1, 0, 0, 0, 0}}); status != 200 {
		t.Errorf("after the replacement = %d %s, want 200", status, body)
	}
	if status, _ := get(t, srv.URL+"/ping"); status != 200 {
		t.Errorf("GET /ping after the replacement = %d", status)
	}
	started := lines(t, pids)
	if len(started) != 2 {
		t.Fatalf("worker pids %v, want the first and its replacement", started)
	}
	if err := m.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range started {
		pid, _ := strconv.Atoi(p)
		waitFor(t, "worker "+p+" to end", func() bool { return syscall.Kill(pid, 0) != nil })
	}
	if status, body := post(t, srv.URL, columns, [][]float64{{1, 0, 0, 0, 0}}); status != 503 {
		t.Errorf("after Stop = %d %s, want 503", status, body)
	}
}

// TestModel_killedWorkerIsReplaced: a worker killed from outside (the OOM
// killer) is noticed on the next batch and replaced.
func TestModel_killedWorkerIsReplaced(t *testing.T) {
	t.Parallel()
	pids := filepath.Join(t.TempDir(), "pids")
	m, srv := serving(t, "crashy.pkl", Config{Workers: 2, Env: append(os.Environ(), "MLCD_TEST_PIDS="+pids)})
	for _, p := range lines(t, pids) {
		pid, _ := strconv.Atoi(p)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	// Requests fail with 503 (never hang) until both are replaced.
	waitFor(t, "both workers replaced", func() bool {
		status, body := post(t, srv.URL, columns, [][]float64{{1, 0, 0, 0, 0}})
		if status != 200 && status != 503 {
			t.Fatalf("while replacing: %d %s", status, body)
		}
		return m.Restarts() == 2 && status == 200
	})
}

func TestStart_fails(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	notPickle := filepath.Join(t.TempDir(), "model.pkl")
	os.WriteFile(notPickle, []byte("not a pickle"), 0o644)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"not a pickle", Config{Model: notPickle}, "load " + notPickle},
		{"no predict_proba", Config{Model: filepath.Join(dir, "ridge.joblib"), Method: MethodPredictProba}, "has no predict_proba method"},
		{"unknown method", Config{Model: filepath.Join(dir, "ridge.joblib"), Method: "transform"}, `method "transform"`},
		{"no interpreter", Config{Model: filepath.Join(dir, "ridge.joblib"), Python: "/nonexistent/python3"}, "/nonexistent/python3"},
		{"custom class not importable", Config{Model: filepath.Join(dir, "crashy.pkl"), Dir: t.TempDir()}, "testmodels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.cfg.Python == "" {
				tc.cfg.Python = python
			}
			tc.cfg.Workers = 2
			_, err := Start(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// TestModel_replacementBacksOff: while replacements keep failing (the
// model file is gone), each try waits at least twice as long as the one
// before.
func TestModel_replacementBacksOff(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	work := t.TempDir()
	model := filepath.Join(work, "model.pkl")
	b, err := os.ReadFile(filepath.Join(dir, "crashy.pkl"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(model, b, 0o644)
	starts, ends := filepath.Join(work, "starts"), filepath.Join(work, "ends")
	// An interpreter that notes when it starts and ends around Debian's python.
	wrapper := filepath.Join(work, "python")
	writeScript(t, wrapper, "#!/bin/sh\ndate +%s.%N >> "+starts+"\n"+python+" \"$@\"\ndate +%s.%N >> "+ends+"\n")
	testdata, _ := filepath.Abs("testdata")
	const minBackoff = 100 * time.Millisecond
	m, err := Start(context.Background(), Config{Model: model, Python: wrapper, Dir: testdata, Workers: 1, MinBackoff: minBackoff})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop(context.Background())
	os.Remove(model)
	srv := httptest.NewServer(scoring.Handler(m, scoring.Options{}))
	defer srv.Close()
	if status, body := post(t, srv.URL, columns, [][]float64{{666, 0, 0, 0, 0}}); status != 503 {
		t.Fatalf("request that kills the worker = %d %s", status, body)
	}
	waitFor(t, "four failed replacements", func() bool { return len(lines(t, starts)) >= 5 })
	times := func(path string) []float64 {
		var at []float64
		for _, s := range lines(t, path) {
			f, _ := strconv.ParseFloat(s, 64)
			at = append(at, f)
		}
		return at
	}
	began, ended := times(starts), times(ends)
	// The first worker served, then died; each replacement fails. The
	// wait from each end to the next start doubles from the minimum.
	for i, mult := range []float64{1, 2, 4, 8} {
		if gap, want := began[i+1]-ended[i], mult*minBackoff.Seconds(); gap < want {
			t.Errorf("wait before start %d = %.3fs, want at least %.3fs", i+2, gap, want)
		}
	}
	if status, _ := get(t, srv.URL+"/ping"); status != 503 {
		t.Errorf("GET /ping with no worker alive = %d, want 503", status)
	}
}

// writeScript writes an executable script through another process. A file
// this process wrote could still be open in a child another test forked
// meanwhile, until that child execs; running the script then fails with
// "text file busy".
func writeScript(t *testing.T, path, script string) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `cat > "$1" && chmod 755 "$1"`, "sh", path)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("write %s: %v\n%s", path, err, out)
	}
}
