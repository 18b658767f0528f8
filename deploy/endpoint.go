package deploy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mlcd-dev/mlcd/internal/httplimit"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// shutdownTimeout bounds how long an endpoint drains its requests and
// stops its models once its context ends.
const shutdownTimeout = 30 * time.Second

// EndpointServer is the http.Server of a model endpoint: timeouts long
// enough for a large body and a slow prediction, short enough that slow
// or silent clients cannot keep connections open for ever.
func EndpointServer(h http.Handler, log *slog.Logger) *http.Server {
	return httplimit.Server(h, httplimit.Timeouts{}, httplimit.Scoring, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
}

// ServeOn serves d's gateway on ln, runs start, and serves until ctx is
// done or start fails; then it shuts the server down and stops every
// model (mlcd serve).
func (d *Deployer) ServeOn(ctx context.Context, ln net.Listener, start func(context.Context) error) error {
	srv := EndpointServer(d.Handler(), d.log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	err := start(ctx)
	if err == nil {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case err = <-errc:
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	srv.Shutdown(sctx)
	return errors.Join(err, d.Close(sctx))
}

// FlavorOptionsOf are the deploy: settings of mlcd.yaml for the flavors
// mlcd serves itself; the caller sets ServerVersion and applies its flags.
func FlavorOptionsOf(s pipeline.Deploy) FlavorOptions {
	o := FlavorOptions{
		MaxBodyBytes:  s.MaxBody,
		MLflowVersion: s.MLflowVersion,
		Python:        s.Python,
		Workers:       s.Workers,
		MaxBatch:      s.MaxBatch,
	}
	if w := s.BatchWait; w != nil {
		o.BatchWait = *w
		if *w == 0 {
			o.BatchWait = -1 // batch_wait: 0 sends each batch at once
		}
	}
	return o
}
