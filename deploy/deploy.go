package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// Action is what Deploy did.
type Action string

// Actions of Deploy.
const (
	ActionDeployed   Action = "deployed"    // the version now serves
	ActionUnchanged  Action = "unchanged"   // it already served
	ActionRolledBack Action = "rolled-back" // it failed; the previous one keeps serving
	ActionSkipped    Action = "skipped"     // its artifact failed before; not tried again
)

// Result is the outcome of one Deploy.
type Result struct {
	Model    string
	Version  int
	Digest   string
	Commit   string // the commit whose registry asked for the version
	Action   Action
	Previous int    // the version serving before, 0 for none
	Reason   string // why it was rolled back or skipped
	Time     time.Time
	Duration time.Duration
}

// Deploy makes v the version served for its model: it fetches the
// artifact (verified), starts it beside the version serving, checks its
// health, switches the gateway, drains and stops the old one. Deploying the
// version already serving is a no-op. A version that fails is rolled back:
// the result says why and the error wraps ErrUnhealthy (or ErrKnownBad when
// the same artifact failed before, ErrNoArtifact when the store lacks it).
func (d *Deployer) Deploy(ctx context.Context, v *registry.Version, commit string) (Result, error) {
	defer d.lock(v.Model)()
	start := time.Now()
	res := Result{Model: v.Model, Version: v.Version, Digest: v.Artifact.SHA256, Commit: commit, Time: start.UTC()}
	cur := d.gw.routes.Load().byModel[v.Model]
	if cur != nil {
		res.Previous = cur.version.Version
		if cur.version.Version == v.Version && cur.digest == v.Artifact.SHA256 {
			res.Action = ActionUnchanged
			return res, nil
		}
	}
	key := v.Model + "@" + v.Artifact.SHA256
	d.mu.Lock()
	reason, bad := d.failed[key]
	d.mu.Unlock()
	if bad {
		res.Action, res.Reason = ActionSkipped, reason
		return res, fmt.Errorf("deploy %s v%d: %w: %s", v.Model, v.Version, ErrKnownBad, reason)
	}
	in, err := d.startChecked(ctx, v, commit)
	res.Duration = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("deploy %s v%d: %w", v.Model, v.Version, ctx.Err())
		}
		res.Action, res.Reason = ActionRolledBack, err.Error()
		if errors.Is(err, store.ErrNotFound) {
			// Not a health failure, and not remembered as one.
			d.log.Warn("not deployed", "model", v.Model, "version", v.Version, "reason", res.Reason)
			return res, fmt.Errorf("deploy %s v%d: %w: %s", v.Model, v.Version, ErrNoArtifact, res.Reason)
		}
		d.mu.Lock()
		d.failed[key] = res.Reason
		d.mu.Unlock()
		d.metrics.rollbacks.WithLabelValues(v.Model).Inc()
		d.log.Warn("rolled back", "model", v.Model, "version", v.Version, "previous", res.Previous, "reason", res.Reason)
		return res, fmt.Errorf("deploy %s v%d: %w: %s", v.Model, v.Version, ErrUnhealthy, res.Reason)
	}
	old := d.gw.set(v.Model, in)
	d.metrics.deploys.WithLabelValues(v.Model).Inc()
	d.metrics.serving.WithLabelValues(v.Model).Set(float64(v.Version))
	res.Action = ActionDeployed
	d.log.Info("serving", "model", v.Model, "version", v.Version, "previous", res.Previous, "took", res.Duration.Round(time.Millisecond))
	if old != nil {
		if err := d.retire(ctx, old); err != nil {
			d.log.Warn("retire previous version", "model", v.Model, "err", err)
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

// startChecked starts v and checks its health; on failure nothing of it
// keeps running.
func (d *Deployer) startChecked(ctx context.Context, v *registry.Version, commit string) (*instance, error) {
	path, err := d.fetch(ctx, v)
	if err != nil {
		return nil, err
	}
	in, err := d.start(ctx, v, path, commit)
	if err != nil {
		return nil, err
	}
	in.commit, in.since = commit, time.Now().UTC()
	if err := d.check(ctx, in, v); err != nil {
		in.stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return in, nil
}
