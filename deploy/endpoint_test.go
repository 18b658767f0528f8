package deploy

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// TestEndpointServer_HasEveryTimeout: the model endpoint's server (mlcd
// serve, mlcd deploy, mlcd watch) cuts off slow or silent clients: no
// timeout is left off.
func TestEndpointServer_HasEveryTimeout(t *testing.T) {
	t.Parallel()
	srv := EndpointServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("endpoint timeouts: header %s, read %s, write %s, idle %s; want all set",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}

func TestFlavorOptionsOf(t *testing.T) {
	t.Parallel()
	zero, wait := time.Duration(0), 5*time.Millisecond
	for _, tt := range []struct {
		in   pipeline.Deploy
		want FlavorOptions
	}{
		{pipeline.Deploy{}, FlavorOptions{}},
		{pipeline.Deploy{MaxBody: 1 << 20, MLflowVersion: "2.17.0", Python: "/usr/bin/python3", Workers: 3, MaxBatch: 64, BatchWait: &wait},
			FlavorOptions{MaxBodyBytes: 1 << 20, MLflowVersion: "2.17.0", Python: "/usr/bin/python3", Workers: 3, MaxBatch: 64, BatchWait: wait}},
		// batch_wait: 0 sends each batch at once, which FlavorOptions
		// says with a negative wait (0 is the flavor's default).
		{pipeline.Deploy{BatchWait: &zero}, FlavorOptions{BatchWait: -1}},
	} {
		if got := FlavorOptionsOf(tt.in); got != tt.want {
			t.Errorf("FlavorOptionsOf(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
