package controller

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// DeployStatusContext is the commit status mlcd sets on a commit whose
// Production change the merge gate refused.
const DeployStatusContext = "mlcd/deploy"

// DesiredDeploy is the version a model should serve: the last Production
// version that passed the merge gate, as it was registered.
type DesiredDeploy struct {
	Version int       `json:"version"`
	Commit  string    `json:"commit,omitempty"` // the commit that set Production
	Since   time.Time `json:"since"`
	// Registered is the commit that registered the version: the deployer
	// runs the version file as that commit holds it, never the tip's copy.
	Registered string `json:"registered,omitempty"`
	// Target is journal.TargetKubernetes when Kubernetes serves the
	// version from manifests mlcd commits; "" when mlcd serves it.
	Target string `json:"target,omitempty"`
	// Manifests is the commit of those manifests, once committed.
	Manifests string `json:"manifests,omitempty"`
}

// deployState is deploys.json in the state folder: how far the
// Production reconcile got, and what it decided. Everything in it can be
// derived again from the branch's history (a fresh state judges the branch
// from its root); it saves the work and the questions to GitHub.
type deployState struct {
	// Commit is the last commit of the branch whose changes are all
	// judged; the next pass judges the commits after it.
	Commit string `json:"commit"`
	// Ledger is the gate's policy in force at Commit.
	Ledger  *gate.Ledger             `json:"ledger,omitempty"`
	Desired map[string]DesiredDeploy `json:"desired,omitempty"`
	// Fallback holds, per model, the versions the gate allowed before the
	// desired one, newest first: what a start serves when the desired
	// version fails its health check.
	Fallback map[string][]DesiredDeploy `json:"fallback,omitempty"`
	// Decided holds the gate's decisions of a commit not yet finished, by
	// gate.Change.Key, so that a pass interrupted by an error or a crash
	// never asks the gate twice.
	Decided map[string]*gateOutcome `json:"decided,omitempty"`
}

// maxFallback bounds the versions kept to fall back on, per model.
const maxFallback = 5

type gateOutcome struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	Commit  string `json:"commit,omitempty"`
	PR      int    `json:"pr,omitempty"`
	// Registered: for an allowed promotion, the commit that registered
	// the version.
	Registered string `json:"registered,omitempty"`
	// Done: the desired state is updated (allowed) or the refusal is on
	// the branch (refused).
	Done bool `json:"done,omitempty"`
}

func (s stateDir) deploysFile() string { return filepath.Join(s.root, "deploys.json") }

func (s stateDir) loadDeploys() (*deployState, error) {
	st := &deployState{}
	return st, s.loadJSON("deploys.json", st)
}

func (s stateDir) saveDeploys(st *deployState) error { return s.saveJSON("deploys.json", st) }

// initDeploys connects GitHub's API when configured and shows the desired
// deployments a previous process left.
func (c *Controller) initDeploys() error {
	gh, why, err := forge.Connect(c.cfg.gitHub(), c.cfg.URL, c.cfg.Logger)
	if err != nil {
		return err
	}
	c.gh, c.ghWhy = gh, why
	st, err := c.state.loadDeploys()
	if err != nil {
		return err
	}
	c.showDesired(st)
	return nil
}

// gitHub is how cfg reaches GitHub's API: the one client of the merge
// gate, the commit statuses and the promotion pull requests is built from
// it (nil without a token or without a GitHub repository).
func (cfg Config) gitHub() forge.Settings {
	return forge.Settings{Token: cfg.GitHubToken, BaseURL: cfg.GitHubBaseURL, Repository: cfg.GitHubRepo}
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

// reconcileDeploys judges the branch's commits after the last one judged,
// oldest first, each under the policy in force before it (gate.Judge): a
// version the gate allows becomes its model's desired deployment (and
// Config.OnDeploy hears of it), a refused one and an edit of a registered
// version are recorded in deployments/<model>.yaml on the branch and, on
// GitHub, as a failed commit status. A fresh state judges the branch from
// its root, so it reaches what a long-lived one decided; the deployment
// journal decides nothing.
func (c *Controller) reconcileDeploys(ctx context.Context, head string) error {
	c.deployMu.Lock()
	defer c.deployMu.Unlock()
	st, err := c.state.loadDeploys()
	if err != nil {
		return err
	}
	defer c.checkJournals(ctx)
	c.kubeTarget(ctx, head)
	if st.Ledger != nil && !st.Ledger.Serving {
		c.servingOfOldLedger(ctx, st)
		if err := c.state.saveDeploys(st); err != nil {
			return err
		}
	}
	if st.Commit == head && len(st.Decided) == 0 && st.Ledger != nil && !manifestsPending(st) {
		return nil
	}
	if st.Ledger == nil {
		l := c.ledgerAt(ctx, st.Commit)
		st.Ledger = &l
	}
	commits, err := c.repo.ChangeLog(ctx, head, st.Commit, registry.Dir, pipeline.FileName)
	if err != nil {
		return fmt.Errorf("history since %s: %w", short(st.Commit), err)
	}
	j := c.judge()
	for _, ci := range commits {
		if err := c.judgeCommit(ctx, st, j, ci); err != nil {
			return err // the next pass takes it from st.Commit again
		}
	}
	st.Commit, st.Decided = head, nil
	if err := c.state.saveDeploys(st); err != nil {
		return err
	}
	return c.commitManifests(ctx, st, head)
}

// judge is the merge gate of this controller's branch.
func (c *Controller) judge() *gate.Judge {
	j := &gate.Judge{History: c.repo, Branch: c.cfg.Branch, OnGitHub: c.cfg.GitHubRepo != ""}
	if _, _, ok := forge.ParseRemoteWithBase(c.cfg.URL, c.cfg.GitHubBaseURL); ok {
		j.OnGitHub = true
	}
	if c.gh != nil {
		j.Forge = c.gh
	}
	return j
}

// ledgerAt is the ledger of a state folder written before the gate kept
// one: the policy of commit as its mlcd.yaml has it ("" : a fresh start).
func (c *Controller) ledgerAt(ctx context.Context, commit string) gate.Ledger {
	l := gate.NewLedger(c.gh != nil)
	if commit == "" {
		return l
	}
	if p, err := c.pipelineAt(ctx, commit); err == nil && p != nil {
		l = gate.Ledger{Policy: gate.PolicyOf(p, c.gh != nil), Commit: commit, Founded: true, Serving: true}
	}
	return l
}

// servingOfOldLedger completes a ledger kept by an mlcd that did not judge
// the serving programs: those in force are what that mlcd served with,
// the ones of mlcd.yaml at the last commit it judged. Changes after that
// commit are judged from now on.
func (c *Controller) servingOfOldLedger(ctx context.Context, st *deployState) {
	now := gate.PolicyOf(nil, c.gh != nil)
	if p, err := c.pipelineAt(ctx, st.Commit); err == nil && p != nil {
		now = gate.PolicyOf(p, c.gh != nil)
	}
	st.Ledger.Policy.Python, st.Ledger.Policy.Image, st.Ledger.Serving = now.Python, now.Image, true
}

// judgeCommit decides (once) and acts on every change of one commit, then
// marks the commit judged.
func (c *Controller) judgeCommit(ctx context.Context, st *deployState, j *gate.Judge, ci gitstore.CommitInfo) error {
	changes, err := j.Changes(ctx, ci, *st.Ledger)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		out := st.Decided[ch.Key()]
		if out == nil {
			v, err := j.Decide(ctx, ch, *st.Ledger)
			if err != nil {
				return fmt.Errorf("merge gate at %s: %w", short(ci.Hash), err)
			}
			c.log.Info("merge gate", "change", string(ch.Kind), "model", ch.Model, "version", ch.Version,
				"commit", short(ci.Hash), "require", v.Require, "allowed", v.Allowed, "reason", v.Reason)
			out = &gateOutcome{Allowed: v.Allowed, Reason: v.Reason, Commit: ci.Hash, PR: v.PR}
			out.Registered = v.RegisteredAt
			if st.Decided == nil {
				st.Decided = map[string]*gateOutcome{}
			}
			st.Decided[ch.Key()] = out
			if err := c.state.saveDeploys(st); err != nil {
				return err
			}
		}
		if !out.Done {
			if err := c.act(ctx, st, ch, out); err != nil {
				return err
			}
		}
		*st.Ledger = st.Ledger.Apply(ch, gate.Verdict{Decision: gate.Decision{Allowed: out.Allowed}})
	}
	st.Commit, st.Decided = ci.Hash, nil
	return c.state.saveDeploys(st)
}

// act carries out one decision.
func (c *Controller) act(ctx context.Context, st *deployState, ch gate.Change, out *gateOutcome) error {
	switch {
	case ch.Kind == gate.ChangePolicy:
		if !out.Allowed {
			c.log.Warn("policy change refused", "commit", short(ch.Commit.Hash), "reason", out.Reason)
			c.status.addError(errors.New(out.Reason))
			c.setDeployStatus(ctx, ch.Commit.Hash, forge.StateFailure, out.Reason)
		}
		out.Done = true
		return c.state.saveDeploys(st)
	case ch.Kind == gate.ChangePromotion && out.Allowed:
		return c.allow(ctx, st, ch, out)
	}
	return c.refuse(ctx, st, ch, out)
}

// registered is version n of model as the commit that registered it holds
// the file, with stage Production: what a deploy runs.
func (c *Controller) registered(ctx context.Context, model string, n int, at string) (*registry.Version, error) {
	name := registry.VersionPath(model, n)
	data, err := c.repo.ReadFile(ctx, at, name)
	if err != nil {
		return nil, fmt.Errorf("%s as registered at %s: %w", name, short(at), err)
	}
	v, err := registry.Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("%s as registered at %s: %w", name, short(at), err)
	}
	v.Stage = registry.StageProduction
	return v, nil
}

// allow makes the version, as registered, its model's desired deployment.
func (c *Controller) allow(ctx context.Context, st *deployState, ch gate.Change, out *gateOutcome) error {
	v, err := c.registered(ctx, ch.Model, ch.Version, out.Registered)
	if err != nil {
		return err
	}
	if st.Desired == nil {
		st.Desired, st.Fallback = map[string]DesiredDeploy{}, map[string][]DesiredDeploy{}
	}
	if old, ok := st.Desired[ch.Model]; ok && old.Version != ch.Version {
		if st.Fallback == nil {
			st.Fallback = map[string][]DesiredDeploy{}
		}
		st.Fallback[ch.Model] = append([]DesiredDeploy{old}, st.Fallback[ch.Model][:min(len(st.Fallback[ch.Model]), maxFallback-1)]...)
	}
	want := DesiredDeploy{Version: ch.Version, Commit: out.Commit, Since: time.Now().UTC(), Registered: out.Registered}
	if c.kube != nil {
		want.Target = journal.TargetKubernetes // its manifests are committed at the end of the pass
	}
	st.Desired[ch.Model] = want
	out.Done = true
	if err := c.state.saveDeploys(st); err != nil {
		return err
	}
	c.showDesired(st)
	if c.cfg.OnDeploy != nil && want.Target == "" {
		c.cfg.OnDeploy(ctx, v, out.Commit)
	}
	return nil
}

// refuse records a refused promotion or an edit of a registered version
// on the branch and, on GitHub, as a failed commit status; what serves
// stays.
func (c *Controller) refuse(ctx context.Context, st *deployState, ch gate.Change, out *gateOutcome) error {
	ev := journal.Event{Time: time.Now().UTC(), Kind: journal.KindRefusal, Version: ch.Version, Commit: out.Commit, Reason: out.Reason, PR: out.PR}
	if ch.After != nil {
		ev.Digest = ch.After.Artifact.SHA256
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

func (c *Controller) showDesired(st *deployState) {
	desired := make(map[string]DesiredDeploy, len(st.Desired))
	for m, d := range st.Desired {
		desired[m] = d
	}
	c.status.update(func(s *Status) { s.Desired = desired })
}
