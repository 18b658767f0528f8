package deploy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mlcd-dev/mlcd/internal/httplimit"
)

// Gateway is the stable endpoint: it routes scoring requests to the
// instance serving each model. With one model served, /invocations, /ping,
// /health and /version answer at the root, exactly as `mlflow models
// serve`; with any number, /<model>/invocations etc. /metrics serves the
// Prometheus metrics. Routes switch atomically.
type Gateway struct {
	routes  atomic.Pointer[routes]
	mu      sync.Mutex // serializes writers of routes
	metrics *Metrics
	bodies  *httplimit.Budget // scoring bodies in flight
	// own are the models that answer on a port of their own (deploy.ports):
	// they do not count when deciding which model answers at the root of
	// the shared endpoint.
	own map[string]bool
}

// routes is an immutable routing table.
type routes struct {
	byModel map[string]*instance
	single  *instance // the only model, when exactly one is served
}

func newGateway(m *Metrics, bodies *httplimit.Budget) *Gateway {
	g := &Gateway{metrics: m, bodies: bodies}
	g.routes.Store(&routes{byModel: map[string]*instance{}})
	return g
}

// set routes model to in (nil removes it) and returns what was routed.
func (g *Gateway) set(model string, in *instance) *instance {
	g.mu.Lock()
	defer g.mu.Unlock()
	old := g.routes.Load()
	next := &routes{byModel: make(map[string]*instance, len(old.byModel)+1)}
	for k, v := range old.byModel {
		next.byModel[k] = v
	}
	prev := next.byModel[model]
	if in == nil {
		delete(next.byModel, model)
	} else {
		next.byModel[model] = in
	}
	var shared []*instance
	for k, v := range next.byModel {
		if !g.own[k] {
			shared = append(shared, v)
		}
	}
	if len(shared) == 1 {
		next.single = shared[0]
	}
	g.routes.Store(next)
	return prev
}

// ModelHandler answers the scoring protocol at the root (/invocations,
// /ping, /health, /version) for model alone: what a port of its own serves.
// Until the model is served, /ping answers 503. Call it before the model's
// first deploy.
func (g *Gateway) ModelHandler(model string) http.Handler {
	g.mu.Lock()
	if g.own == nil {
		g.own = map[string]bool{}
	}
	g.own[model] = true
	g.mu.Unlock()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rootPaths[r.URL.Path] {
			notFound(w, "no route "+r.URL.Path+"; this port serves "+model+": use /invocations, /ping, /health or /version")
			return
		}
		if g.routes.Load().byModel[model] == nil {
			writeError(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "model "+model+" is not served yet")
			return
		}
		g.serve(w, r, model, r.URL.Path)
	})
}

// SharedModels lists the models served on the shared endpoint (not on a
// port of their own), sorted.
func (g *Gateway) SharedModels() []string {
	var out []string
	for _, m := range g.Models() {
		g.mu.Lock()
		own := g.own[m]
		g.mu.Unlock()
		if !own {
			out = append(out, m)
		}
	}
	return out
}

// Models lists the models served, sorted.
func (g *Gateway) Models() []string {
	r := g.routes.Load()
	names := make([]string, 0, len(r.byModel))
	for k := range r.byModel {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

var rootPaths = map[string]bool{"/invocations": true, "/ping": true, "/health": true, "/version": true}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/metrics" {
		g.metrics.Handler().ServeHTTP(w, r)
		return
	}
	if rootPaths[p] {
		g.serveRoot(w, r)
		return
	}
	model, rest, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !ok || !rootPaths["/"+rest] {
		notFound(w, "no route "+p+"; use /invocations, /ping, /health, /version, /<model>/invocations or /metrics")
		return
	}
	g.serve(w, r, model, "/"+rest)
}

// serveRoot answers a root path for the only model served.
func (g *Gateway) serveRoot(w http.ResponseWriter, r *http.Request) {
	rt := g.routes.Load()
	switch {
	case len(rt.byModel) == 0:
		writeError(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "no model is served yet")
	case rt.single == nil:
		notFound(w, "several models are served ("+strings.Join(g.Models(), ", ")+"); use /<model>"+r.URL.Path)
	default:
		g.serve(w, r, rt.single.model, r.URL.Path)
	}
}

// serve hands r to the instance of model with its path set to sub. A
// scoring request first waits for room in the body budget.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, model, sub string) {
	if sub == "/invocations" && g.bodies != nil {
		done := g.bodies.Admit(w, r)
		if done == nil {
			w.Header().Set("Retry-After", g.bodies.RetryAfter())
			writeError(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", fmt.Sprintf(
				"the endpoint holds as many request bodies as it takes at once (%d MiB); try again", g.bodies.Max()>>20))
			return
		}
		defer done()
	}
	var in *instance
	for {
		in = g.routes.Load().byModel[model]
		if in == nil {
			notFound(w, "model "+model+" is not served")
			return
		}
		if in.acquire() {
			break
		}
	}
	defer in.release()
	if r.URL.Path != sub {
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path, u.RawPath = sub, ""
		r2.URL = &u
		r = r2
	}
	if sub != "/invocations" {
		in.handler.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	in.handler.ServeHTTP(sw, r)
	in.series.latency.Observe(time.Since(start).Seconds())
	in.series.requests.Inc()
	if sw.status >= 400 {
		in.series.errors.Inc()
	}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func notFound(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", msg)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]string{"error_code": code, "message": msg})
}
