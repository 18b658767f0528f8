package controller

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/registry"
)

// deployAndRecord deploys v and commits what happened: a deploy sets
// deployments/<model>.yaml's current version, adds a deploy event and
// archives the previous Production version, in one commit; a rollback (or
// a version whose artifact failed before) adds a rollback event and, on
// GitHub, a failed commit status. A version already serving records
// nothing.
func (c *Controller) deployAndRecord(ctx context.Context, d *deploy.Deployer, opts DeployerOptions, v *registry.Version, commit string) {
	res, err := d.Deploy(ctx, v, commit)
	switch res.Action {
	case deploy.ActionUnchanged:
		return
	case deploy.ActionDeployed:
		err = c.publishDeploy(ctx, d, opts, v, res)
		c.setDeployStatus(ctx, commit, forge.StateSuccess, fmt.Sprintf("serving %s v%d", v.Model, v.Version))
	case deploy.ActionRolledBack, deploy.ActionSkipped:
		// A skipped version reuses an artifact that failed before; it is
		// recorded once (the event is not added twice for one commit).
		ev := journal.Event{Time: res.Time, Kind: journal.KindRollback, Version: v.Version, Digest: res.Digest, Commit: commit, Reason: res.Reason}
		if res.Action == deploy.ActionSkipped {
			ev.Reason = "its artifact already failed its health check: " + res.Reason
			err = nil // expected: nothing was tried
		}
		err = errors.Join(err, c.publishEvent(ctx, v.Model, ev))
		c.setDeployStatus(ctx, commit, forge.StateFailure, "rolled back: "+res.Reason)
	}
	if err != nil && ctx.Err() == nil {
		c.log.Error("deploy", "model", v.Model, "version", v.Version, "err", err)
		c.status.addError(fmt.Errorf("deploy %s v%d: %w", v.Model, v.Version, err))
	}
	c.refreshReport(ctx) // the deploy or rollback is on the branch now
}

func (c *Controller) setDeployStatus(ctx context.Context, commit, state, desc string) {
	if c.gh == nil || commit == "" {
		return
	}
	if len(desc) > 140 {
		desc = desc[:137] + "..."
	}
	if err := c.gh.SetStatus(ctx, commit, state, DeployStatusContext, desc, ""); err != nil {
		c.status.addError(fmt.Errorf("commit status of the deploy: %w", err))
	}
}

// publishDeploy commits the deployment record and the archive of the
// previous Production versions.
func (c *Controller) publishDeploy(ctx context.Context, d *deploy.Deployer, opts DeployerOptions, v *registry.Version, res deploy.Result) error {
	endpoint := opts.Endpoint
	if own, ok := opts.Ports[v.Model]; ok {
		endpoint = own
	} else if len(d.Gateway().SharedModels()) > 1 {
		endpoint += "/" + v.Model
	}
	msg := fmt.Sprintf("mlcd: deploy %s v%d", v.Model, v.Version)
	if res.Previous != 0 {
		msg += fmt.Sprintf(" (was v%d)", res.Previous)
	}
	edit := func(rec *journal.Record, tip fs.FS) (map[string][]byte, error) {
		cur := &journal.Served{Version: v.Version, Digest: res.Digest, Commit: res.Commit,
			Endpoint: endpoint, Since: res.Time, Status: "serving"}
		if old := rec.Current; old != nil && old.Version == cur.Version && old.Digest == cur.Digest && old.Commit == cur.Commit && old.Endpoint == cur.Endpoint {
			return nil, nil // a restart serving the recorded version again records nothing
		}
		reg, err := c.registry.Load(tip)
		if reg == nil {
			return nil, err
		}
		files := registry.ArchivePrevious(reg, v.Model, v.Version)
		rec.Current = cur
		ev := journal.Event{Time: res.Time, Kind: journal.KindDeploy, Version: v.Version, Digest: res.Digest, Commit: res.Commit}
		if !hasEvent(rec, ev) {
			rec.Append(ev)
		}
		for p := range files {
			if old := versionOfPath(reg, v.Model, p); old != 0 {
				rec.Append(journal.Event{Time: time.Now().UTC(), Kind: journal.KindArchive, Version: old, Commit: res.Commit,
					Reason: fmt.Sprintf("v%d replaced it in Production", v.Version)})
			}
		}
		return files, nil
	}
	if err := c.publishJournal(ctx, v.Model, msg, edit); err != nil {
		return fmt.Errorf("record the deploy of %s v%d: %w", v.Model, v.Version, err)
	}
	return nil
}

func versionOfPath(reg *registry.Registry, model, p string) int {
	if m := reg.Model(model); m != nil {
		for _, v := range m.Versions {
			if v.Path() == p {
				return v.Version
			}
		}
	}
	return 0
}
