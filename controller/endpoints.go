package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// endpointShutdown bounds how long the endpoints drain their requests
// and stop their models on Close.
const endpointShutdown = 30 * time.Second

// DeploySettings is deploy: of mlcd.yaml at the branch's tip as this
// controller last fetched it, with the default listen address when it
// says none (or there is no valid mlcd.yaml).
func (c *Controller) DeploySettings(ctx context.Context) pipeline.Deploy {
	head, err := c.repo.ResolveRef(ctx, c.repo.Branch())
	if err == nil {
		if p, err := c.pipelineAt(ctx, head); err == nil && p != nil && p.Deploy.Listen != "" {
			if p.Deploy.Target != pipeline.TargetKubernetes {
				p.Deploy.Kubernetes = nil
			}
			return p.Deploy
		}
	}
	return pipeline.Deploy{Listen: pipeline.DefaultListen}
}

// Endpoints are the model endpoints ServeDeployments serves.
type Endpoints struct {
	d       *deploy.Deployer
	servers []*http.Server
	errc    chan error // one Serve result per server
}

// ServeDeployments builds the deployer (NewDeployer), serves its gateway
// on opts.Endpoint and, for each model of opts.Ports, that model alone on
// its own address (each /ping answers 503 until its model serves), tells
// listening each address it listens on, then serves again what the merge
// gate allowed (RestoreDeployments). From then on every version the gate
// allows is deployed and recorded. Close stops it all.
func (c *Controller) ServeDeployments(ctx context.Context, opts DeployerOptions, listening func(net.Addr)) (*Endpoints, error) {
	d, err := c.NewDeployer(ctx, opts)
	if err != nil {
		return nil, err
	}
	handlers := map[string]http.Handler{opts.Endpoint: d.Handler()}
	for model, addr := range opts.Ports {
		handlers[addr] = d.Gateway().ModelHandler(model)
	}
	e := &Endpoints{d: d, errc: make(chan error, len(handlers))}
	for addr, h := range handlers {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("model endpoint: %w", err), e.Close(ctx))
		}
		srv := deploy.EndpointServer(h, c.cfg.Logger)
		e.servers = append(e.servers, srv)
		go func() { e.errc <- srv.Serve(ln) }()
		if listening != nil {
			listening(ln.Addr())
		}
	}
	c.RestoreDeployments(ctx, d)
	return e, nil
}

// Deployer is the deployer behind the endpoints.
func (e *Endpoints) Deployer() *deploy.Deployer { return e.d }

// Close shuts the endpoints down, letting requests in flight finish for a
// while even when ctx is done, and stops the models.
func (e *Endpoints) Close(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endpointShutdown)
	defer cancel()
	var errs []error
	for _, srv := range e.servers {
		errs = append(errs, srv.Shutdown(sctx))
	}
	for range e.servers {
		<-e.errc
	}
	return errors.Join(append(errs, e.d.Close(sctx))...)
}

// ReconcileDeploysEvery runs ReconcileDeploys every interval until ctx is
// done (mlcd deploy without --once); a failed pass is logged and the next
// one tries again.
func (c *Controller) ReconcileDeploysEvery(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := c.ReconcileDeploys(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("reconcile deploys", "err", err)
		}
	}
}
