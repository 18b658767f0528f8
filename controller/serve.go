package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/registry"
)

// DeployerOptions tune the deployer StartDeployer builds.
type DeployerOptions struct {
	// Endpoint is the gateway's address as deployments/<model>.yaml
	// records it (deploy.listen).
	Endpoint string
	// Ports are the models on a port of their own (deploy.ports), recorded
	// with that address.
	Ports map[string]string
	// StartTimeout, HealthTimeout and DrainTimeout are the deployer's;
	// zero means its defaults.
	StartTimeout, HealthTimeout, DrainTimeout time.Duration
	// Metrics receives the deployer's series; nil creates them.
	Metrics *deploy.Metrics
	// Flavors tune the flavors mlcd serves itself (deploy: of mlcd.yaml
	// and flags).
	Flavors deploy.FlavorOptions
}

// StartDeployer is NewDeployer then RestoreDeployments: call it before
// Watch or ReconcileDeploys; the caller listens on the deployer's Handler
// and closes it.
func (c *Controller) StartDeployer(ctx context.Context, opts DeployerOptions) (*deploy.Deployer, error) {
	d, err := c.NewDeployer(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.RestoreDeployments(ctx, d)
	return d, nil
}

// NewDeployer builds the deployer of this controller (artifacts from its
// store, deploy folder and checkouts in its state folder) and connects it
// to the Production reconcile: every version the merge gate allows is
// deployed and its outcome committed to deployments/<model>.yaml. It
// serves nothing yet. Call it before Watch or ReconcileDeploys.
func (c *Controller) NewDeployer(ctx context.Context, opts DeployerOptions) (*deploy.Deployer, error) {
	head, err := c.knownTip(ctx)
	if err != nil {
		return nil, err
	}
	st, err := c.storeAt(ctx, head)
	if err != nil {
		return nil, err
	}
	opts.Flavors.Python = c.pythonInForce(ctx, head)
	root := filepath.Join(c.state.root, "deploy")
	d, err := deploy.New(deploy.Config{
		Store:         st,
		Dir:           filepath.Join(root, "models"),
		Checkout:      func(ctx context.Context, commit string) (string, error) { return c.deployCheckout(ctx, root, commit) },
		Env:           append(os.Environ(), c.cfg.Env...),
		Example:       c.examples(st),
		StartTimeout:  opts.StartTimeout,
		HealthTimeout: opts.HealthTimeout,
		DrainTimeout:  opts.DrainTimeout,
		Metrics:       opts.Metrics,
		FlavorOptions: opts.Flavors,
		Logger:        c.cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	c.cfg.OnDeploy = func(ctx context.Context, v *registry.Version, commit string) {
		c.deployAndRecord(ctx, d, opts, v, commit)
		pruneCheckouts(filepath.Join(root, "work"), d)
	}
	return d, nil
}

// pythonInForce is the deploy.python the merge gate let serve (see
// gate.Policy), whatever mlcd.yaml at the tip says: a change to it takes
// effect only once it passed the gate. A state that has not judged the
// branch yet judges it first.
func (c *Controller) pythonInForce(ctx context.Context, head string) string {
	st, err := c.state.loadDeploys()
	if err == nil && (st.Ledger == nil || !st.Ledger.Serving) {
		c.reconcileDeploysLogged(ctx, head)
		st, err = c.state.loadDeploys()
	}
	if err != nil || st.Ledger == nil {
		return "" // python3 on PATH, the default
	}
	return st.Ledger.Policy.Python
}

// RestoreDeployments judges the branch's changes since the last pass (a
// fresh state judges the whole branch) and deploys each desired version
// that is not serving, as it was registered. deployments/ decides nothing:
// what serves follows from the gate's verdicts alone. Problems go to the
// log and the status: what can serve, serves.
func (c *Controller) RestoreDeployments(ctx context.Context, d *deploy.Deployer) {
	head, err := c.knownTip(ctx)
	if err != nil {
		c.status.addError(fmt.Errorf("restore deployments: %w", err))
		return
	}
	c.reconcileDeploysLogged(ctx, head)
	c.deployMu.Lock()
	c.deployDesired(ctx, d, head)
	c.deployMu.Unlock()
}

// knownTip is the branch's tip: fetched when the remote answers, else the
// last one fetched (a restart while the remote is down still serves).
func (c *Controller) knownTip(ctx context.Context) (string, error) {
	head, err := c.repo.Fetch(ctx)
	if err == nil {
		return head, nil
	}
	c.log.Warn("fetch before restoring deployments; using the last fetched tip", "err", err)
	return c.repo.ResolveRef(ctx, c.cfg.Branch)
}

func (c *Controller) storeAt(ctx context.Context, head string) (deploy.Store, error) {
	p, _ := c.pipelineAt(ctx, head) // no pipeline: the configured or default store
	return c.openStore(ctx, p)
}

// examples reads input examples through the run records of the branch.
func (c *Controller) examples(st deploy.Store) func(context.Context, *registry.Version) ([]byte, error) {
	return func(ctx context.Context, v *registry.Version) ([]byte, error) {
		head, err := c.repo.ResolveRef(ctx, c.cfg.Branch)
		if err != nil {
			return nil, err
		}
		tree, err := c.repo.FS(ctx, head)
		if err != nil {
			return nil, err
		}
		return deploy.RunExamples(tree, st)(ctx, v)
	}
}

// deployCheckout is a checkout of commit for command-flavor servers,
// written once (to a temporary folder, then renamed).
func (c *Controller) deployCheckout(ctx context.Context, root, commit string) (string, error) {
	dir := filepath.Join(root, "work", commit)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Join(root, "work"), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Join(root, "work"), ".checkout-")
	if err != nil {
		return "", err
	}
	if err := c.repo.Checkout(ctx, commit, tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return dir, nil
}

// pruneCheckouts removes the checkouts no served version runs in.
func pruneCheckouts(dir string, d *deploy.Deployer) {
	keep := map[string]bool{}
	for _, m := range d.Gateway().Models() {
		if s, ok := d.Serving(m); ok {
			keep[s.Commit], keep[s.Trained] = true, true
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !keep[e.Name()] {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// deployDesired deploys each desired version that is not serving (a
// restart, or a process that stopped between the gate's decision and the
// deploy), as the commit that registered it holds it.
func (c *Controller) deployDesired(ctx context.Context, d *deploy.Deployer, head string) {
	st, err := c.state.loadDeploys()
	if err != nil || len(st.Desired) == 0 || c.cfg.OnDeploy == nil {
		return
	}
	for model, want := range st.Desired {
		if want.Target != "" {
			continue // served by Kubernetes, from the manifests mlcd committed
		}
		if s, ok := d.Serving(model); ok && s.Version == want.Version {
			continue
		}
		// The desired version first, then those allowed before it, until
		// one passes its health check.
		for _, cand := range append([]DesiredDeploy{want}, st.Fallback[model]...) {
			v, err := c.desiredVersion(ctx, head, model, cand)
			if err != nil {
				c.log.Error("restore deployment", "model", model, "version", cand.Version, "err", err)
				c.status.addError(fmt.Errorf("restore %s v%d: %w", model, cand.Version, err))
				continue
			}
			c.cfg.OnDeploy(ctx, v, cand.Commit)
			if _, ok := d.Serving(model); ok {
				break
			}
		}
	}
}

// desiredVersion is the version to serve for want, as registered. A desired
// deployment saved before the gate kept the registering commit is checked
// against its registration first.
func (c *Controller) desiredVersion(ctx context.Context, head, model string, want DesiredDeploy) (*registry.Version, error) {
	if want.Registered != "" {
		return c.registered(ctx, model, want.Version, want.Registered)
	}
	name := registry.VersionPath(model, want.Version)
	data, err := c.repo.ReadFile(ctx, head, name)
	if err != nil {
		return nil, err
	}
	v, err := registry.Parse(name, data)
	if err != nil {
		return nil, err
	}
	seal, err := gate.VerifySeal(ctx, c.repo, head, v)
	if err != nil {
		return nil, err
	}
	if seal.Broken != "" {
		return nil, errors.New(seal.Broken)
	}
	return c.registered(ctx, model, want.Version, seal.At)
}
