package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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

With deploy.target kubernetes in mlcd.yaml, nothing is served here: each
allowed version's Kubernetes manifests are committed to deploy.kubernetes.path
for Argo CD or Flux to apply, and recorded (docs/kubernetes.md).

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
	if k := c.DeploySettings(ctx).Kubernetes; k != nil {
		return runKubeDeploy(ctx, c, do, k, out)
	}
	if do.once {
		dopts, err := deployerOptions(ctx, c, do.listen, do.maxBody)
		if err != nil {
			return err
		}
		d, err := c.StartDeployer(ctx, dopts)
		if err != nil {
			return err
		}
		err = c.ReconcileDeploys(ctx)
		printServing(out, d)
		return joinClose(ctx, err, d)
	}
	eps, err := startDeployments(ctx, c, do.listen, do.maxBody, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mlcd: reconciling deployments of %s (%s) every %s\n", do.repo, cfg.Branch, do.interval)
	c.ReconcileDeploysEvery(ctx, do.interval)
	return errors.Join(ctx.Err(), eps.Close(ctx))
}

// runKubeDeploy is mlcd deploy for deploy.target kubernetes: the gate's
// passes commit manifests; nothing is served here.
func runKubeDeploy(ctx context.Context, c *controller.Controller, do *deployOptions, k *pipeline.Kubernetes, out io.Writer) error {
	branch := cmp.Or(k.Branch, c.Repo().Branch())
	fmt.Fprintf(out, "mlcd: deploy.target is kubernetes: allowed versions are served by the manifests mlcd commits to %s/ on %s; nothing is served here\n", k.Path, branch)
	err := c.ReconcileDeploys(ctx)
	if do.once || ctx.Err() != nil {
		return err
	}
	if err != nil {
		fmt.Fprintf(out, "mlcd: reconcile deploys: %v\n", err)
	}
	c.ReconcileDeploysEvery(ctx, do.interval)
	return ctx.Err()
}

// startDeployments serves c's model endpoints (controller.ServeDeployments)
// on listen (default: deploy.listen of mlcd.yaml at the tip) and says what
// serves. mlcd watch calls it before c.Watch to serve what it promotes.
func startDeployments(ctx context.Context, c *controller.Controller, listen, maxBody string, out io.Writer) (*controller.Endpoints, error) {
	dopts, err := deployerOptions(ctx, c, listen, maxBody)
	if err != nil {
		return nil, err
	}
	eps, err := c.ServeDeployments(ctx, dopts, func(addr net.Addr) {
		fmt.Fprintf(out, "mlcd: model endpoint on http://%s\n", addr)
	})
	if err != nil {
		return nil, err
	}
	printServing(out, eps.Deployer())
	return eps, nil
}

// deployerOptions are deploy: of mlcd.yaml at c's tip with the flags
// --listen and --max-body over it.
func deployerOptions(ctx context.Context, c *controller.Controller, listen, maxBody string) (controller.DeployerOptions, error) {
	settings := c.DeploySettings(ctx)
	flavors, err := flavorOptions(settings, maxBody)
	return controller.DeployerOptions{Endpoint: cmp.Or(listen, settings.Listen), Ports: settings.Ports, Flavors: flavors}, err
}

// addMaxBodyFlag adds --max-body, the largest scoring request body.
func addMaxBodyFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "max-body", "", "the largest scoring request body, e.g. 64MiB (default: deploy.max_body of mlcd.yaml, else 32MiB)")
}

// flavorOptions are the deploy: settings of mlcd.yaml for the flavors
// mlcd serves itself, with --max-body over max_body.
func flavorOptions(settings pipeline.Deploy, maxBody string) (deploy.FlavorOptions, error) {
	o := deploy.FlavorOptionsOf(settings)
	o.ServerVersion = version
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
