package deploy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
)

// blockingInstance answers /invocations only once release is closed.
func blockingInstance(m *Metrics, model string, version int, started chan<- struct{}, release <-chan struct{}) *instance {
	return &instance{
		model:   model,
		version: &registry.Version{Model: model, Version: version},
		series:  m.seriesOf(model, "x"),
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if started != nil {
				started <- struct{}{}
			}
			<-release
			io.WriteString(w, "v"+string(rune('0'+version)))
		}),
	}
}

func TestInstance_DrainWaitsForRequestsInFlight(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	g := newGateway(m, nil)
	started, release := make(chan struct{}, 1), make(chan struct{})
	old := blockingInstance(m, "m", 1, started, release)
	g.set("m", old)
	srv := httptest.NewServer(g)
	defer srv.Close()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Post(srv.URL+"/invocations", "application/json", strings.NewReader("{}"))
		if err != nil {
			answer <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	<-started
	open := make(chan struct{})
	close(open)
	if prev := g.set("m", blockingInstance(m, "m", 2, nil, open)); prev != old {
		t.Fatal("set did not return the instance it replaced")
	}
	drained := make(chan error, 1)
	go func() { drained <- old.drain(context.Background()) }()
	select {
	case err := <-drained:
		t.Fatalf("drain returned (%v) with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	resp, err := http.Post(srv.URL+"/invocations", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "v2" {
		t.Errorf("a request after the switch reached %q, want v2", b)
	}
	close(release)
	if got := <-answer; got != "v1" {
		t.Errorf("the request in flight got %q, want v1's answer", got)
	}
	if err := <-drained; err != nil {
		t.Errorf("drain: %v", err)
	}
	if !old.retired.Load() || old.acquire() {
		t.Error("a drained instance still takes requests")
	}
}

func TestInstance_DrainTimesOut(t *testing.T) {
	t.Parallel()
	in := blockingInstance(NewMetrics(), "m", 1, nil, nil)
	if !in.acquire() {
		t.Fatal("acquire failed on a live instance")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := in.drain(ctx); err == nil || !strings.Contains(err.Error(), "in flight") {
		t.Errorf("drain with a request stuck = %v, want a timeout error", err)
	}
}

func TestGateway_MetricsCountRequestsAndErrors(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	f := newFixture(t, nil)
	f.deploy(f.version("churn", 5, "xgboost", dir+"/xgb_a.json"))
	example := readFile(t, dir+"/example.json")
	for range 3 {
		if status, body := f.post("/invocations", example); status != 200 {
			t.Fatalf("POST = %d %s", status, body)
		}
	}
	if status, _ := f.post("/churn/invocations", []byte(`{"nope": 1}`)); status != 400 {
		t.Errorf("bad request = %d, want 400", status)
	}
	f.get("/ping") // not a scoring request: not counted
	_, metrics := f.get("/metrics")
	for _, want := range []string{
		`mlcd_model_requests_total{model="churn",version="5"} 4`,
		`mlcd_model_request_errors_total{model="churn",version="5"} 1`,
		`mlcd_model_request_duration_seconds_count{model="churn",version="5"} 4`,
		`mlcd_deploys_total{model="churn"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grep(metrics, "mlcd_"))
		}
	}
}

func FuzzExampleRows(f *testing.F) {
	for _, s := range []string{
		`{"dataframe_split": {"columns": ["a"], "data": [[1], [2]]}}`,
		`{"dataframe_records": [{"a": 1}]}`,
		`{"instances": [[1, 2]]}`,
		`{"inputs": {"a": [1, 2]}}`,
		`{"inputs": {}}`,
		`[]`, `null`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := exampleRows(body)
		if err == nil && n < 0 {
			t.Fatalf("exampleRows(%q) = %d", body, n)
		}
		if _, err := predictionCount(body); err != nil && !strings.Contains(err.Error(), "predictions") {
			t.Fatalf("predictionCount(%q): %v", body, err)
		}
	})
}

// answering is an instance that answers every request with its name.
func answering(m *Metrics, model string) *instance {
	return &instance{
		model:   model,
		version: &registry.Version{Model: model, Version: 1},
		series:  m.seriesOf(model, "1"),
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, model+" "+r.URL.Path)
		}),
	}
}

// A model on a port of its own (deploy.ports) answers at that port's root
// and leaves the shared endpoint's root to the model alone there.
func TestGateway_ModelHandlerGivesAModelItsOwnPort(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	g := newGateway(m, nil)
	own := g.ModelHandler("churn-rf")
	get := func(h http.Handler, path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	if code, _ := get(own, "/ping"); code != http.StatusServiceUnavailable {
		t.Errorf("own port before its model serves: /ping %d, want 503", code)
	}
	g.set("churn-xgb", answering(m, "churn-xgb"))
	g.set("churn-rf", answering(m, "churn-rf"))
	for _, tc := range []struct {
		h          http.Handler
		path       string
		code       int
		bodyPrefix string
	}{
		{own, "/ping", 200, "churn-rf /ping"},
		{own, "/invocations", 200, "churn-rf /invocations"},
		{own, "/churn-xgb/ping", 404, ""},
		{g, "/ping", 200, "churn-xgb /ping"}, // alone on the shared endpoint
		{g, "/churn-rf/ping", 200, "churn-rf /ping"},
	} {
		code, body := get(tc.h, tc.path)
		if code != tc.code || !strings.HasPrefix(body, tc.bodyPrefix) {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, code, body, tc.code, tc.bodyPrefix)
		}
	}
	if got := g.SharedModels(); len(got) != 1 || got[0] != "churn-xgb" {
		t.Errorf("SharedModels = %v, want [churn-xgb]", got)
	}
}
