package scoring

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// handlerCase is one request and the answer we give; mlflow notes what
// MLflow 2.8.1's server answers to the same request (from the protocol
// reference), where it differs or is worth stating.
type handlerCase struct {
	name        string
	method      string // default POST
	path        string // default /invocations
	contentType string // default application/json
	noCT        bool   // send no Content-Type header at all
	body        string
	wantStatus  int
	wantBody    string // exact body when set
	wantIn      string // substring of the body when set
	mlflow      string
}

var handlerCases = []handlerCase{
	{name: "ping", method: "GET", path: "/ping", wantStatus: 200, wantBody: "\n", mlflow: "200 \\n"},
	{name: "health", method: "GET", path: "/health", wantStatus: 200,
		wantBody: `{"status":"ok","mlcd_version":"0.9.0-test","model_version":"7"}` + "\n", mlflow: "200 \\n"},
	{name: "version", method: "GET", path: "/version", wantStatus: 200, wantBody: "2.8.1", mlflow: "200 2.8.1, application/json"},
	{name: "get invocations", method: "GET", wantStatus: 405, wantIn: "METHOD_NOT_ALLOWED", mlflow: "405"},
	{name: "post ping", method: "POST", path: "/ping", wantStatus: 405, wantIn: "METHOD_NOT_ALLOWED", mlflow: "405"},
	{name: "unknown path", method: "GET", path: "/nope", wantStatus: 404, wantIn: "ENDPOINT_NOT_FOUND", mlflow: "404"},

	{name: "split", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1,2,3],[4,5,6]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321, 654]}`, mlflow: "200"},
	{name: "split reordered columns follow the schema",
		body:       `{"dataframe_split": {"columns": ["c","a","b"], "data": [[3,1,2]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200, columns by name"},
	{name: "split with index", body: `{"dataframe_split": {"index": [7], "columns": ["a","b","c"], "data": [[1,2,3]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200"},
	{name: "split extra column ignored", body: `{"dataframe_split": {"columns": ["a","b","c","zz"], "data": [[1,2,3,9]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200, ignored"},
	{name: "int and float mix", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1.5,2,3e0]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321.5]}`, mlflow: "200, converted"},
	{name: "null is missing", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1,null,3]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [291]}`, mlflow: "200, NaN"},
	{name: "python NaN literal is missing", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[NaN,2,3]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [319]}`, mlflow: "200 (Python's json reads NaN)"},
	{name: "params ignored", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1,2,3]]}, "params": {"k": 1}}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200, warning logged"},
	{name: "charset utf-8", contentType: "application/json; charset=UTF-8",
		body:       `{"inputs": {"a": [1], "b": [2], "c": [3]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200"},
	{name: "records", body: `{"dataframe_records": [{"c":3,"b":2,"a":1},{"a":4,"b":5,"c":6}]}`,
		wantStatus: 200, wantBody: `{"predictions": [321, 654]}`, mlflow: "200"},
	{name: "records with a key left out", body: `{"dataframe_records": [{"a":1,"b":2,"c":3},{"a":4,"c":6}]}`,
		wantStatus: 200, wantBody: `{"predictions": [321, 594]}`, mlflow: "200, NaN"},
	{name: "instances as records", body: `{"instances": [{"a":1,"b":2,"c":3}]}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200"},
	{name: "instances as a tensor", body: `{"instances": [[1,2,3]]}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200"},
	{name: "inputs as columns", body: `{"inputs": {"b": [2,5], "a": [1,4], "c": [3,6]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321, 654]}`, mlflow: "200"},
	{name: "inputs as a tensor", body: `{"inputs": [[1,2,3]]}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200"},
	{name: "csv", contentType: "text/csv", body: "a,b,c\n1,2,3\n4,,6\n",
		wantStatus: 200, wantBody: `{"predictions": [321, 594]}`, mlflow: "200"},
	{name: "csv with pandas index column", contentType: "text/csv; charset=utf-8", body: ",c,b,a\n0,3,2,1\n",
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200"},

	{name: "malformed json", body: `{"dataframe_split": `, wantStatus: 400, wantIn: `"error_code":"BAD_REQUEST"`, mlflow: "400 BAD_REQUEST"},
	{name: "a list body", body: `[1,2,3]`, wantStatus: 400, wantIn: "Received a list", mlflow: "400 BAD_REQUEST"},
	{name: "a scalar body", body: `"x"`, wantStatus: 400, wantIn: "Received unexpected input type", mlflow: "400 BAD_REQUEST"},
	{name: "no input key", body: `{"params": {}}`, wantStatus: 400, wantIn: "exactly one of the input fields", mlflow: "400 BAD_REQUEST"},
	{name: "two input keys", body: `{"inputs": [[1,2,3]], "instances": [[1,2,3]]}`, wantStatus: 400,
		wantIn: "Received dictionary with input fields: ['inputs', 'instances']", mlflow: "400 BAD_REQUEST"},
	{name: "mlflow 1.x body", body: `{"columns": ["a","b","c"], "data": [[1,2,3]]}`, wantStatus: 400,
		wantIn: "exactly one of the input fields", mlflow: "400 BAD_REQUEST"},
	{name: "string in a double column", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1,"x",3]]}}`,
		wantStatus: 400, wantIn: "Incompatible input types for column b", mlflow: "400 BAD_REQUEST"},
	{name: "empty data", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": []}}`,
		wantStatus: 200, wantBody: `{"predictions": []}`, mlflow: "200 {\"predictions\": []}"},
	{name: "empty data without columns", body: `{"dataframe_split": {"data": []}}`,
		wantStatus: 400, wantIn: "nothing to score", mlflow: "not measured"},
	{name: "empty data still needs the columns", body: `{"dataframe_split": {"columns": ["a","b"], "data": []}}`,
		wantStatus: 400, wantIn: `Model is missing inputs ['c']`, mlflow: "500 INTERNAL_ERROR, same message"},
	{name: "numbers as strings", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [["1", " 2.5e0 ", "3_0"]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [3026]}`, mlflow: "200, converted as pandas does"},
	{name: "nan as a string is missing", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [["NaN", 2, 3]]}}`,
		wantStatus: 200, wantBody: `{"predictions": [319]}`, mlflow: "200, NaN"},
	{name: "booleans", body: `{"dataframe_records": [{"a": true, "b": false, "c": 3}]}`,
		wantStatus: 200, wantBody: `{"predictions": [301]}`, mlflow: "200, True is 1"},
	{name: "a string that is no number", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1, "0x10", 3]]}}`,
		wantStatus: 400, wantIn: "Incompatible input types for column b. Can not safely convert string '0x10'", mlflow: "400 BAD_REQUEST"},
	{name: "infinity", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1, Infinity, 3]]}}`,
		wantStatus: 400, wantIn: "infinity in column b", mlflow: "400 BAD_REQUEST (XGBoost refuses inf)"},
	{name: "infinity as a string", body: `{"inputs": {"a": [1], "b": [2], "c": ["-inf"]}}`,
		wantStatus: 400, wantIn: "infinity in column c", mlflow: "400 BAD_REQUEST"},
	{name: "a number too large is infinity", body: `{"instances": [[1, 2, 1e400]]}`,
		wantStatus: 400, wantIn: "infinity in column c", mlflow: "400 BAD_REQUEST"},
	{name: "csv infinity", contentType: "text/csv", body: "a,b,c\n1,inf,3\n",
		wantStatus: 400, wantIn: "infinity in column b on CSV line 2", mlflow: "400 BAD_REQUEST"},
	{name: "duplicate column", body: `{"dataframe_split": {"columns": ["a","b","c","a"], "data": [[1,2,3,4]]}}`,
		wantStatus: 400, wantIn: "Duplicate column name 'a'", mlflow: "400 BAD_REQUEST"},
	{name: "duplicate unknown column", body: `{"dataframe_split": {"columns": ["a","b","c","z","z"], "data": [[1,2,3,4,5]]}}`,
		wantStatus: 400, wantIn: "Duplicate column name 'z'", mlflow: "400 BAD_REQUEST"},
	{name: "index shorter than data", body: `{"dataframe_split": {"index": [0], "columns": ["a","b","c"], "data": [[1,2,3],[4,5,6]]}}`,
		wantStatus: 400, wantIn: "'dataframe_split.index' has 1 entries but 'data' has 2 rows", mlflow: "400 BAD_REQUEST"},
	{name: "index not a list", body: `{"dataframe_split": {"index": 3, "columns": ["a","b","c"], "data": [[1,2,3]]}}`,
		wantStatus: 400, wantIn: "'dataframe_split.index' must be a list", mlflow: "400 BAD_REQUEST"},
	{name: "inputs with a repeated key: the last wins", body: `{"inputs": {"a": [9], "b": [2], "c": [3], "a": [1]}}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200, a Python dict keeps the last"},
	{name: "missing column", body: `{"dataframe_split": {"columns": ["a","b"], "data": [[1,2]]}}`,
		wantStatus: 400, wantIn: `Model is missing inputs ['c']`, mlflow: "500 INTERNAL_ERROR, same message"},
	{name: "tensor of the wrong width", body: `{"instances": [[1,2]]}`,
		wantStatus: 400, wantIn: "has 2 values, but the model takes 3 features", mlflow: "500 INTERNAL_ERROR"},
	{name: "split row of the wrong width", body: `{"dataframe_split": {"columns": ["a","b","c"], "data": [[1,2]]}}`,
		wantStatus: 400, wantIn: "has 2 values, but there are 3 columns", mlflow: "400 BAD_REQUEST"},
	{name: "params not an object", body: `{"instances": [[1,2,3]], "params": 5}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200, ignored for a model without params"},
	{name: "params a list", body: `{"instances": [[1,2,3]], "params": [1]}`,
		wantStatus: 200, wantBody: `{"predictions": [321]}`, mlflow: "200, ignored for a model without params"},
	{name: "csv bad number", contentType: "text/csv", body: "a,b,c\n1,x,3\n",
		wantStatus: 400, wantIn: "column b on CSV line 2", mlflow: "400 BAD_REQUEST"},
	{name: "csv ragged row", contentType: "text/csv", body: "a,b,c\n1,2\n",
		wantStatus: 400, wantIn: "CSV line 2", mlflow: "400 BAD_REQUEST"},

	{name: "other content type", contentType: "text/plain", body: `{}`, wantStatus: 415,
		wantBody: "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.",
		mlflow:   "415, same text"},
	{name: "no content type", noCT: true, body: `{}`, wantStatus: 415,
		wantIn: "This predictor only supports the following content types", mlflow: "500 HTML (a crash)"},
	{name: "other charset", contentType: "application/json; charset=latin-1", body: `{}`, wantStatus: 415,
		wantBody: "The scoring server only supports UTF-8", mlflow: "415, same text"},
	{name: "other parameter", contentType: "application/json; format=pandas-split", body: `{}`, wantStatus: 415,
		wantIn: "Unrecognized content type parameters: format", mlflow: "415, same text"},
}

func newTestServer(t *testing.T, p Predictor, opts Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Handler(p, opts))
	t.Cleanup(srv.Close)
	return srv
}

func TestHandler_ServeHTTP(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &placePredictor{schema: NewSchema([]string{"a", "b", "c"})}, Options{ServerVersion: "0.9.0-test"})
	for _, tc := range handlerCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, ct, body := do(t, srv.URL, tc)
			if status != tc.wantStatus {
				t.Fatalf("status = %d, want %d (MLflow 2.8.1: %s); body %s", status, tc.wantStatus, tc.mlflow, body)
			}
			if tc.wantBody != "" {
				if diff := cmp.Diff(tc.wantBody, body); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
			if !strings.Contains(body, tc.wantIn) {
				t.Errorf("body %q does not contain %q", body, tc.wantIn)
			}
			checkShape(t, status, ct, body)
		})
	}
}

func TestHandler_versions(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &placePredictor{schema: NewSchema([]string{"a"})},
		Options{MLflowVersion: "2.9.2", ServerVersion: "1.2.3"})
	for _, path := range []string{"/version", "/ping", "/invocations"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get(ServerVersionHeader); got != "1.2.3" {
			t.Errorf("GET %s: %s header = %q, want 1.2.3", path, ServerVersionHeader, got)
		}
		if path == "/version" && string(b) != "2.9.2" {
			t.Errorf("GET /version = %q, want the configured MLflow version 2.9.2", b)
		}
	}
}

// checkShape asserts MLflow's content types: JSON everywhere except the
// plain-text 415 and /version, and a JSON error object on every 4xx/5xx.
func checkShape(t *testing.T, status int, ct, body string) {
	t.Helper()
	switch {
	case status == 415:
		if !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("415 Content-Type = %q, want text/plain", ct)
		}
	case status >= 400:
		var e errorBody
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.ErrorCode == "" || e.Message == "" {
			t.Errorf("error body %q is not {error_code, message}: %v", body, err)
		}
		fallthrough
	case status == 200:
		if ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
	}
}

func do(t *testing.T, base string, tc handlerCase) (int, string, string) {
	t.Helper()
	method, path, ct := tc.method, tc.path, tc.contentType
	if method == "" {
		method = http.MethodPost
	}
	if path == "" {
		path = "/invocations"
	}
	if ct == "" {
		ct = "application/json"
	}
	req, err := http.NewRequest(method, base+path, strings.NewReader(tc.body))
	if err != nil {
		t.Fatal(err)
	}
	if !tc.noCT {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestHandler_shapesMultiOutput(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &placePredictor{schema: NewSchema([]string{"a"}), width: 2}, Options{})
	status, _, body := do(t, srv.URL, handlerCase{body: `{"inputs": {"a": [1, 2]}}`})
	if status != 200 || body != `{"predictions": [[1, 1], [2, 2]]}` {
		t.Fatalf("got %d %s, want one list per row", status, body)
	}
}

func TestHandler_limits(t *testing.T) {
	t.Parallel()
	block := &placePredictor{schema: NewSchema([]string{"a"}), PredictFunc: func(ctx context.Context, _ *Frame) (Predictions, error) {
		<-ctx.Done()
		return Predictions{}, ctx.Err()
	}}
	boom := &placePredictor{schema: NewSchema([]string{"a"}), PredictFunc: func(context.Context, *Frame) (Predictions, error) {
		panic("predictor bug")
	}}
	short := &placePredictor{schema: NewSchema([]string{"a"}), PredictFunc: func(context.Context, *Frame) (Predictions, error) {
		return Predictions{Width: 2, Values: []float64{1}}, nil
	}}
	tests := []struct {
		name       string
		p          Predictor
		opts       Options
		body       string
		wantStatus int
		wantCode   string
	}{
		{"body over the limit", &placePredictor{schema: NewSchema([]string{"a"})}, Options{MaxBodyBytes: 64},
			`{"inputs": {"a": [` + strings.Repeat("1,", 100) + `1]}}`, 413, CodeRequestTooLarge},
		{"body over a raised limit", &placePredictor{schema: NewSchema([]string{"a"})}, Options{MaxBodyBytes: 2 << 10},
			`{"inputs": {"a": [` + strings.Repeat("1,", 1100) + `1]}}`, 413, "limit of 2048 bytes (2 KiB); raise it with deploy.max_body"},
		{"body under a raised limit", &placePredictor{schema: NewSchema([]string{"a"})}, Options{MaxBodyBytes: 2 << 10},
			`{"inputs": {"a": [` + strings.Repeat("1,", 900) + `1]}}`, 200, ""},
		{"body at the limit", &placePredictor{schema: NewSchema([]string{"a"})}, Options{MaxBodyBytes: 22},
			`{"inputs": {"a": [1]}}`, 200, ""},
		{"request past the timeout", block, Options{Timeout: 50 * time.Millisecond},
			`{"inputs": {"a": [1]}}`, 504, CodeDeadlineExceeded},
		{"predictor panic", boom, Options{}, `{"inputs": {"a": [1]}}`, 500, CodeInternal},
		{"predictor answers the wrong shape", short, Options{}, `{"inputs": {"a": [1]}}`, 500, CodeInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, tc.p, tc.opts)
			status, _, body := do(t, srv.URL, handlerCase{body: tc.body})
			if status != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", status, tc.wantStatus, body)
			}
			if strings.Contains(tc.wantCode, " ") && !strings.Contains(body, tc.wantCode) {
				t.Errorf("body %s lacks %q", body, tc.wantCode)
			} else if tc.wantCode != "" && !strings.Contains(tc.wantCode, " ") && !strings.Contains(body, `"error_code":"`+tc.wantCode+`"`) {
				t.Errorf("body %s lacks error_code %s", body, tc.wantCode)
			}
			// The server keeps serving after each of these.
			if status, _, _ := do(t, srv.URL, handlerCase{method: "GET", path: "/ping"}); status != 200 {
				t.Errorf("ping after the request = %d", status)
			}
		})
	}
}

// TestHandler_concurrent sends many different requests at once: pooled
// buffers must never mix one request's rows into another's answer.
func TestHandler_concurrent(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &placePredictor{schema: NewSchema([]string{"a", "b", "c"})}, Options{})
	const n = 64
	errc := make(chan error, n)
	for i := range n {
		go func() {
			rows := strings.Repeat(fmt.Sprintf("[%d,0,0],", i), i%7) + fmt.Sprintf("[%d,0,0]", i)
			resp, err := http.Post(srv.URL+"/invocations", "application/json", strings.NewReader(`{"instances": [`+rows+`]}`))
			if err != nil {
				errc <- err
				return
			}
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			status, body := resp.StatusCode, string(raw)
			if err != nil {
				errc <- err
				return
			}
			want := `{"predictions": [` + strings.Repeat(fmt.Sprintf("%d, ", i), i%7) + fmt.Sprintf("%d]}", i)
			if status != 200 || body != want {
				errc <- fmt.Errorf("request %d: got %d %s, want %s", i, status, body, want)
				return
			}
			errc <- nil
		}()
	}
	for range n {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// TestHandler_slowBody: a client that stops sending its body gets 504 once
// the timeout passes, instead of holding the handler forever.
func TestHandler_slowBody(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &placePredictor{schema: NewSchema([]string{"a"})}, Options{Timeout: 100 * time.Millisecond})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inputs\":")
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("status = %d, want 504", resp.StatusCode)
	}
}
