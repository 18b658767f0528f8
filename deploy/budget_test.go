package deploy

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/httplimit"
	"github.com/mlcd-dev/mlcd/registry"
)

// TestGateway_BoundsTheBodiesItHoldsAtOnce: four 3 MiB scoring requests
// at once against an 8 MiB budget. Two are read and held by the model;
// the other two find no room and are answered 503 with Retry-After, never
// read; the bytes held at once never pass the budget.
func TestGateway_BoundsTheBodiesItHoldsAtOnce(t *testing.T) {
	t.Parallel()
	const budget, body = 8 << 20, 3 << 20
	m := NewMetrics()
	g := newGateway(m, httplimit.NewBudget(budget, 32<<20, 100*time.Millisecond))
	var held, most atomic.Int64
	started, release := make(chan struct{}, 4), make(chan struct{})
	g.set("m", &instance{
		model: "m", version: &registry.Version{Model: "m", Version: 1}, series: m.seriesOf("m", "1"),
		handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			data, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			now := held.Add(int64(len(data)))
			for cur := most.Load(); now > cur && !most.CompareAndSwap(cur, now); cur = most.Load() {
			}
			started <- struct{}{}
			<-release
			held.Add(-int64(len(data)))
			io.WriteString(w, `{"predictions": [0]}`)
		}),
	})
	srv := httptest.NewServer(g)
	defer srv.Close()

	type answer struct {
		status int
		retry  string
	}
	answers := make(chan answer, 4)
	payload := bytes.Repeat([]byte(" "), body)
	for range 4 {
		go func() {
			resp, err := http.Post(srv.URL+"/invocations", "application/json", bytes.NewReader(payload))
			if err != nil {
				answers <- answer{status: -1}
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answers <- answer{resp.StatusCode, resp.Header.Get("Retry-After")}
		}()
	}
	<-started
	<-started
	for range 2 {
		if a := <-answers; a.status != http.StatusServiceUnavailable || a.retry == "" {
			t.Errorf("a request past the budget got %d (Retry-After %q), want 503 with Retry-After", a.status, a.retry)
		}
	}
	close(release)
	for range 2 {
		if a := <-answers; a.status != http.StatusOK {
			t.Errorf("an admitted request got %d, want 200", a.status)
		}
	}
	if got := most.Load(); got > budget {
		t.Errorf("the model held %d bytes of bodies at once, more than the %d budget", got, budget)
	}
	// Every reservation was freed: a request gets in again at once.
	resp, err := http.Post(srv.URL+"/invocations", "application/json", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the others, a request got %d, want 200", resp.StatusCode)
	}
}
