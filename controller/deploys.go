package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// DeployStatusContext is the commit status mlcd sets on a commit whose
// Production change the merge gate refused.
const DeployStatusContext = "mlcd/deploy"

// DesiredDeploy is the version a model should serve: the last Production
// version that passed the merge gate.
type DesiredDeploy struct {
	Version int       `json:"version"`
	Commit  string    `json:"commit,omitempty"` // the commit that set Production; "" when adopted on a first start
	Since   time.Time `json:"since"`
}

// deployState is deploys.json in the state folder: how far the
// Production reconcile got, and what it decided.
type deployState struct {
	// Commit is the last commit of the branch whose Production changes are
	// all decided; the next pass diffs the registry from it.
	Commit  string                   `json:"commit"`
	Desired map[string]DesiredDeploy `json:"desired,omitempty"`
	// Decided holds the gate's decisions of a pass not yet finished, by
	// "<model> v<N> <commit that set Production>", so that a pass
	// interrupted by an error or a crash never asks the gate twice.
	Decided map[string]*gateOutcome `json:"decided,omitempty"`
}

type gateOutcome struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	Commit  string `json:"commit,omitempty"`
	PR      int    `json:"pr,omitempty"`
	// Done: the desired state is updated (allowed) or the refusal is on
	// the branch (refused).
	Done bool `json:"done,omitempty"`
}

func (s stateDir) deploysFile() string { return filepath.Join(s.root, "deploys.json") }

func (s stateDir) loadDeploys() (*deployState, error) {
	st := &deployState{}
	data, err := os.ReadFile(s.deploysFile())
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read deploy state: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read deploy state %s: %w", s.deploysFile(), err)
	}
	return st, nil
}

func (s stateDir) saveDeploys(st *deployState) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.deploysFile(), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("save deploy state: %w", err)
	}
	return nil
}

// initDeploys connects GitHub's API when configured and shows the desired
// deployments a previous process left.
func (c *Controller) initDeploys() error {
	gh, err := newForge(c.cfg)
	if err != nil {
		return err
	}
	c.gh = gh
	st, err := c.state.loadDeploys()
	if err != nil {
		return err
	}
	c.showDesired(st)
	return nil
}

// newForge is the GitHub client of cfg, nil without a token or without a
// GitHub repository (from GitHubRepo, else the remote URL).
func newForge(cfg Config) (*forge.Client, error) {
	if cfg.GitHubToken == "" {
		return nil, nil
	}
	owner, repo, ok := strings.Cut(cfg.GitHubRepo, "/")
	if cfg.GitHubRepo == "" {
		owner, repo, ok = forge.ParseRemoteWithBase(cfg.URL, cfg.GitHubBaseURL)
	}
	if !ok || owner == "" || repo == "" {
		return nil, nil
	}
	gh, err := forge.New(forge.Options{BaseURL: cfg.GitHubBaseURL, Token: cfg.GitHubToken, Owner: owner, Repo: repo, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("github %s/%s: %w", owner, repo, err)
	}
	return gh, nil
}

// ReconcileDeploys fetches the branch and reconciles its Production
// changes: `mlcd deploy --once`.
func (c *Controller) ReconcileDeploys(ctx context.Context) error {
	head, err := c.repo.Fetch(ctx)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	return c.reconcileDeploys(ctx, head)
}

// reconcileDeploysLogged is reconcileDeploys for the passes that go on
// after a failure: the error goes to the status and the log.
func (c *Controller) reconcileDeploysLogged(ctx context.Context, head string) {
	if err := c.reconcileDeploys(ctx, head); err != nil && ctx.Err() == nil {
		c.log.Error("reconcile deploys", "err", err)
		c.status.addError(fmt.Errorf("reconcile deploys: %w", err))
	}
}

// reconcileDeploys puts every version newly set to Production between the
// last reconciled commit and head through the merge gate: an allowed one
// becomes its model's desired deployment (and Config.OnDeploy hears of
// it), a refused one is recorded in deployments/<model>.yaml on the branch
// and, on GitHub, as a failed commit status. On first use it adopts head's
// Production versions as desired, without gating history.
func (c *Controller) reconcileDeploys(ctx context.Context, head string) error {
	c.deployMu.Lock()
	defer c.deployMu.Unlock()
	st, err := c.state.loadDeploys()
	if err != nil {
		return err
	}
	if st.Commit == "" {
		return c.adoptDeploys(ctx, st, head)
	}
	if st.Commit == head && len(st.Decided) == 0 {
		return nil
	}
	changes, headReg, err := c.productionChanges(ctx, st.Commit, head)
	if err != nil {
		return err
	}
	var errs []error
	for _, ch := range changes {
		if err := c.gateChange(ctx, st, head, ch, headReg.Version(ch.Model, ch.Version)); err != nil {
			errs = append(errs, fmt.Errorf("%s v%d: %w", ch.Model, ch.Version, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...) // the next pass takes it from st.Commit again
	}
	st.Commit, st.Decided = head, nil
	return c.state.saveDeploys(st)
}

// adoptDeploys starts from head: its Production versions are desired as
// they are.
func (c *Controller) adoptDeploys(ctx context.Context, st *deployState, head string) error {
	reg, err := c.registryAt(ctx, head)
	if err != nil {
		return err
	}
	st.Commit, st.Decided, st.Desired = head, nil, map[string]DesiredDeploy{}
	now := time.Now().UTC()
	for _, m := range reg.Models() {
		v := m.Production()
		if v == nil {
			continue
		}
		// No walk for the commit that set it: history is taken as it is,
		// and a long one would make a first start slow.
		st.Desired[m.Name] = DesiredDeploy{Version: v.Version, Since: now}
	}
	if err := c.state.saveDeploys(st); err != nil {
		return err
	}
	c.showDesired(st)
	c.log.Info("deploy reconcile starts from the branch as it is", "commit", short(head), "desired", len(st.Desired))
	return nil
}

// productionChanges returns the versions set to Production from base to
// head, and head's registry. A base that is gone (history rewritten) is
// an error that names it.
func (c *Controller) productionChanges(ctx context.Context, base, head string) ([]registry.Change, *registry.Registry, error) {
	baseReg, err := c.registryAt(ctx, base)
	if err != nil {
		return nil, nil, fmt.Errorf("last reconciled commit %s (delete %s to start from the branch's tip): %w",
			short(base), c.state.deploysFile(), err)
	}
	headReg, err := c.registryAt(ctx, head)
	if err != nil {
		return nil, nil, err
	}
	var out []registry.Change
	for _, ch := range registry.Diff(baseReg, headReg) {
		if ch.ToStage == registry.StageProduction && (ch.Added || ch.StageChanged()) {
			out = append(out, ch)
		}
	}
	return out, headReg, nil
}

// registryAt loads the registry of commit; invalid version files are left
// out (mlcd check reports them), a tree that cannot be read is an error.
func (c *Controller) registryAt(ctx context.Context, commit string) (*registry.Registry, error) {
	tree, err := c.repo.FS(ctx, commit)
	if err != nil {
		return nil, err
	}
	reg, err := c.registry.Load(tree)
	if reg == nil {
		return nil, fmt.Errorf("registry at %s: %w", short(commit), err)
	}
	return reg, nil
}

// gateChange decides one Production change (once) and acts on the decision.
func (c *Controller) gateChange(ctx context.Context, st *deployState, head string, ch registry.Change, v *registry.Version) error {
	set, err := gate.SetBy(ctx, c.repo, head, st.Commit, ch.Model, ch.Version)
	if err != nil && !errors.Is(err, gate.ErrNotSet) {
		return err
	}
	at := head
	if set != nil {
		at = set.Hash
	}
	key := fmt.Sprintf("%s v%d %s", ch.Model, ch.Version, at)
	out := st.Decided[key]
	if out == nil {
		if out, err = c.evaluate(ctx, st, head, ch, set); err != nil {
			return err
		}
		if st.Decided == nil {
			st.Decided = map[string]*gateOutcome{}
		}
		st.Decided[key] = out
		if err := c.state.saveDeploys(st); err != nil {
			return err
		}
	}
	if out.Done {
		return nil
	}
	if out.Allowed {
		return c.allow(ctx, st, ch, v, out)
	}
	return c.refuse(ctx, st, ch, v, out)
}

// evaluate asks the gate, under deploy.require as the branch had it just
// before the change (a commit cannot loosen the gate it passes through).
func (c *Controller) evaluate(ctx context.Context, st *deployState, head string, ch registry.Change, set *gitstore.CommitInfo) (*gateOutcome, error) {
	settings := head
	if set != nil && len(set.Parents) > 0 {
		settings = set.Parents[0]
	}
	dep := c.deploySettings(ctx, settings)
	in := gate.Input{
		History: c.repo, Branch: c.cfg.Branch, Head: head, Since: st.Commit,
		Model: ch.Model, Version: ch.Version, Require: dep.Require, Approvals: dep.Approvals, Commit: set,
	}
	if c.gh != nil {
		in.Forge = c.gh
	}
	d, err := gate.Evaluate(ctx, in)
	if err != nil {
		return nil, err
	}
	c.log.Info("merge gate", "model", ch.Model, "version", ch.Version, "commit", short(d.Commit),
		"require", d.Require, "allowed", d.Allowed, "reason", d.Reason)
	return &gateOutcome{Allowed: d.Allowed, Reason: d.Reason, Commit: d.Commit, PR: d.PR}, nil
}

// deploySettings reads deploy: of mlcd.yaml at commit; a file that is
// missing or invalid gives the defaults, which are the strict gate.
func (c *Controller) deploySettings(ctx context.Context, commit string) pipeline.Deploy {
	p, err := c.pipelineAt(ctx, commit)
	if err != nil || p == nil {
		return pipeline.Deploy{Approvals: 1}
	}
	return p.Deploy
}

// allow makes the version its model's desired deployment.
func (c *Controller) allow(ctx context.Context, st *deployState, ch registry.Change, v *registry.Version, out *gateOutcome) error {
	if st.Desired == nil {
		st.Desired = map[string]DesiredDeploy{}
	}
	st.Desired[ch.Model] = DesiredDeploy{Version: ch.Version, Commit: out.Commit, Since: time.Now().UTC()}
	out.Done = true
	if err := c.state.saveDeploys(st); err != nil {
		return err
	}
	c.showDesired(st)
	if c.cfg.OnDeploy != nil && v != nil {
		c.cfg.OnDeploy(ctx, v, out.Commit)
	}
	return nil
}

// refuse records the refusal on the branch and, on GitHub, as a failed
// commit status; the current deployment stays.
func (c *Controller) refuse(ctx context.Context, st *deployState, ch registry.Change, v *registry.Version, out *gateOutcome) error {
	ev := deploy.Event{Time: time.Now().UTC(), Kind: deploy.KindRefusal, Version: ch.Version, Commit: out.Commit, Reason: out.Reason, PR: out.PR}
	if v != nil {
		ev.Digest = v.Artifact.SHA256
	}
	if err := c.publishEvent(ctx, ch.Model, ev); err != nil {
		return err
	}
	if c.gh != nil && out.Commit != "" {
		if err := c.gh.SetStatus(ctx, out.Commit, forge.StateFailure, DeployStatusContext, out.Reason, ""); err != nil {
			c.status.addError(fmt.Errorf("commit status for the refusal of %s v%d: %w", ch.Model, ch.Version, err))
		}
	}
	out.Done = true
	return c.state.saveDeploys(st)
}

// publishEvent appends ev to deployments/<model>.yaml on the branch, kept
// as the tip has it; an event already there (a retried publish) is not
// added twice.
func (c *Controller) publishEvent(ctx context.Context, model string, ev deploy.Event) error {
	name := deploy.Path(model)
	build := func(ctx context.Context, tip fs.FS) (map[string][]byte, error) {
		rec := deploy.NewRecord(model)
		data, err := fs.ReadFile(tip, name)
		switch {
		case err == nil:
			if rec, err = deploy.Parse(name, data); err != nil {
				return nil, fmt.Errorf("%s on the branch is invalid, fix it so mlcd can record in it: %w", name, err)
			}
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		if hasEvent(rec, ev) {
			return map[string][]byte{name: data}, nil
		}
		rec.Append(ev)
		return map[string][]byte{name: deploy.Marshal(rec)}, nil
	}
	msg := fmt.Sprintf("mlcd: %s %s v%d", ev.Kind, model, ev.Version)
	if _, err := c.repo.Publish(ctx, msg, build); err != nil {
		return fmt.Errorf("record the %s of %s v%d: %w", ev.Kind, model, ev.Version, err)
	}
	return nil
}

func hasEvent(rec *deploy.Record, ev deploy.Event) bool {
	for _, e := range rec.History {
		if e.Kind == ev.Kind && e.Version == ev.Version && e.Commit == ev.Commit {
			return true
		}
	}
	return false
}

func (c *Controller) showDesired(st *deployState) {
	desired := make(map[string]DesiredDeploy, len(st.Desired))
	for m, d := range st.Desired {
		desired[m] = d
	}
	c.status.update(func(s *Status) { s.Desired = desired })
}
