package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/controller"
	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

type deployOptions struct {
	controllerOptions
	once     bool
	listen   string
	interval time.Duration
	maxBody  string
}

func newDeployCommand(opts *globalOptions) *cobra.Command {
	do := &deployOptions{}
	cmd := &cobra.Command{
		Use:   "deploy --repo URL [--once]",
		Short: "Serve each model's Production version that passed the merge gate, and record it",
		Long: `Reconcile deployments for one branch of a repository: every version set to
Production since the last pass goes through the merge gate (deploy.require);
an allowed version is started beside the one serving, health-checked (/ping,
then a prediction on its input example), switched to, and the previous one is
drained and stopped. The outcome is committed by the bot: deployments/<model>.yaml
(current version and history) and the previous Production version set to
Archived. A version that fails its check is rolled back and the failure is
recorded; the previous version keeps serving.

Without --once, mlcd deploy serves the gateway on --listen (default: deploy.listen
of mlcd.yaml, else 127.0.0.1:1234) and reconciles every --interval. On start it
serves again what deployments/ says is serving.

With --once (for CI jobs such as GitHub Actions) it does one pass: gate, deploy
and health-check in this process, record, then stops the models and exits.

Model files are read from the artifact store the runs wrote them to.
` + store.Rule + `

Exit status: 0 success, 1 a pass failed, 3 bad flags.`,
		Example: `  mlcd deploy --repo https://github.com/acme/churn.git
  mlcd deploy --repo . --once`,
		Args: badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDeploy(cmd.Context(), opts, do, opts.stdout)
		},
	}
	do.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&do.once, "once", false, "one reconcile pass, then exit")
	f.StringVar(&do.listen, "listen", "", "the gateway's address (default: deploy.listen of mlcd.yaml, else 127.0.0.1:1234)")
	f.DurationVar(&do.interval, "interval", 30*time.Second, "how often to reconcile (without --once)")
	addMaxBodyFlag(cmd, &do.maxBody)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

func runDeploy(ctx context.Context, opts *globalOptions, do *deployOptions, out io.Writer) error {
	cfg, err := do.config(opts, out)
	if err != nil {
		return err
	}
	if do.interval <= 0 {
		return badInput(fmt.Errorf("--interval %s: must be positive", do.interval))
	}
	c, err := controller.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if do.once {
		settings := deploySettings(ctx, c)
		listen := do.listen
		if listen == "" {
			listen = settings.Listen
		}
		flavors, err := flavorOptions(settings, do.maxBody)
		if err != nil {
			return err
		}
		d, err := c.StartDeployer(ctx, controller.DeployerOptions{Endpoint: listen, Ports: settings.Ports, Flavors: flavors})
		if err != nil {
			return err
		}
		err = c.ReconcileDeploys(ctx)
		printServing(out, d)
		return joinClose(ctx, err, d)
	}
	stop, err := startDeployments(ctx, c, do.listen, do.maxBody, cfg, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mlcd: reconciling deployments of %s (%s) every %s\n", do.repo, cfg.Branch, do.interval)
	reconcileEvery(ctx, c, do.interval, cfg)
	return errors.Join(ctx.Err(), stop())
}

// startDeployments starts the deployer of c (serving again the versions
// the merge gate allowed, as registered) and its gateway on listen (default:
// deploy.listen of mlcd.yaml at the tip, else 127.0.0.1:1234). From then
// on every version the merge gate allows is deployed and recorded. stop
// shuts the gateway down and stops the models. mlcd watch can call it
// before c.Watch to serve what it promotes.
func startDeployments(ctx context.Context, c *controller.Controller, listen, maxBody string, cfg controller.Config, out io.Writer) (stop func() error, err error) {
	settings := deploySettings(ctx, c)
	if listen == "" {
		listen = settings.Listen
	}
	flavors, err := flavorOptions(settings, maxBody)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d, err := c.NewDeployer(ctx, controller.DeployerOptions{Endpoint: listen, Ports: settings.Ports, Flavors: flavors})
	if err != nil {
		return nil, err
	}
	// The shared endpoint, and a port of its own for each model of
	// deploy.ports; each /ping answers 503 until its model serves.
	handlers := map[string]http.Handler{listen: d.Handler()}
	for model, addr := range settings.Ports {
		handlers[addr] = d.Gateway().ModelHandler(model)
	}
	var servers []*http.Server
	errc := make(chan error, len(handlers))
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		var errs []error
		for _, srv := range servers {
			errs = append(errs, srv.Shutdown(sctx))
		}
		for range servers {
			<-errc
		}
		return errors.Join(append(errs, d.Close(sctx))...)
	}
	for addr, h := range handlers {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("model endpoint: %w", err), shutdown())
		}
		srv := endpointServer(h, log)
		servers = append(servers, srv)
		go func() { errc <- srv.Serve(ln) }()
		fmt.Fprintf(out, "mlcd: model endpoint on http://%s\n", ln.Addr())
	}
	c.RestoreDeployments(ctx, d)
	printServing(out, d)
	return shutdown, nil
}

// reconcileEvery runs the deploy reconcile on a ticker until ctx is done.
func reconcileEvery(ctx context.Context, c *controller.Controller, every time.Duration, cfg controller.Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := c.ReconcileDeploys(ctx); err != nil && ctx.Err() == nil {
			cfg.Logger.Error("reconcile deploys", "err", err)
		}
	}
}

// deploySettings is deploy: of mlcd.yaml at the branch's tip, with the
// default listen address when it says none.
func deploySettings(ctx context.Context, c *controller.Controller) pipeline.Deploy {
	head, err := c.Repo().ResolveRef(ctx, c.Repo().Branch())
	if err == nil {
		if data, err := c.Repo().ReadFile(ctx, head, pipeline.FileName); err == nil {
			if p, err := pipeline.Parse(pipeline.FileName, data); err == nil && p.Deploy.Listen != "" {
				return p.Deploy
			}
		}
	}
	return pipeline.Deploy{Listen: pipeline.DefaultListen}
}

// addMaxBodyFlag adds --max-body, the largest scoring request body.
func addMaxBodyFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "max-body", "", "the largest scoring request body, e.g. 64MiB (default: deploy.max_body of mlcd.yaml, else 32MiB)")
}

// flavorOptions are the deploy: settings of mlcd.yaml for the flavors
// mlcd serves itself, with --max-body over max_body.
func flavorOptions(settings pipeline.Deploy, maxBody string) (deploy.FlavorOptions, error) {
	o := deploy.FlavorOptions{
		MaxBodyBytes:  settings.MaxBody,
		MLflowVersion: settings.MLflowVersion,
		ServerVersion: version,
		Python:        settings.Python,
		Workers:       settings.Workers,
		MaxBatch:      settings.MaxBatch,
	}
	if w := settings.BatchWait; w != nil {
		o.BatchWait = *w
		if *w == 0 {
			o.BatchWait = -1 // batch_wait: 0 sends each batch at once
		}
	}
	if maxBody != "" {
		n, err := pipeline.ParseSize(maxBody)
		if err != nil {
			return o, badInput(fmt.Errorf("--max-body: %w", err))
		}
		o.MaxBodyBytes = n
	}
	return o, nil
}

func printServing(out io.Writer, d *deploy.Deployer) {
	models := d.Gateway().Models()
	if len(models) == 0 {
		fmt.Fprintln(out, "mlcd: no model is served")
	}
	for _, m := range models {
		s, _ := d.Serving(m)
		fmt.Fprintf(out, "mlcd: %s v%d serving (digest %.12s, commit %.12s)\n", m, s.Version, s.Digest, s.Commit)
	}
}

func joinClose(ctx context.Context, err error, d *deploy.Deployer) error {
	cerr := d.Close(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	return cerr
}
