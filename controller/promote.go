package controller

import (
	"context"
	"fmt"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/promotion"
	"github.com/mlcd-dev/mlcd/registry"
)

// autoPromote proposes for Production each version that run r registered
// (on the branch at tip) when the pipeline's promote: policy asks for pull
// requests and the version beats Production by min_delta: it opens or
// updates the model's auto-promotion pull request (promotion.Auto), or,
// without GitHub, pushes the branch and logs what to merge. Running it
// again for the same run changes nothing, so a recovered record is safe.
// Failures go to the status and the log: the run is recorded either way.
func (c *Controller) autoPromote(ctx context.Context, r *pipeline.Run, tip string) {
	policy := c.promotePolicy(ctx, r, tip)
	if policy == nil || !policy.OpenPR || policy.Metric == "" {
		return
	}
	candidates, err := c.registeredBy(ctx, r, tip)
	if err != nil {
		c.status.addError(fmt.Errorf("auto-promote run %s: %w", r.ID, err))
		return
	}
	if len(candidates) == 0 {
		return
	}
	gh, why := c.gh, c.ghWhy
	for _, v := range candidates {
		log := c.log.With("model", v.Model, "version", v.Version, "run", r.ID)
		res, reason, err := promotion.Auto(ctx, c.repo, gh, promotion.AutoRequest{Model: v.Model, Version: v.Version, Policy: policy})
		switch {
		case err != nil:
			log.Warn("auto-promotion failed", "err", err)
			c.status.addError(fmt.Errorf("auto-promote %s v%d: %w", v.Model, v.Version, err))
		case res == nil:
			log.Info("not proposed for Production", "reason", reason)
		case res.PR != nil:
			log.Info("promotion pull request", "number", res.PR.Number, "url", res.PR.URL, "created", res.Created, "branch", res.Branch)
		default:
			log.Info("promotion branch pushed; merge it to deploy", "branch", res.Branch, "merge", res.Merge, "no_pull_request", why)
		}
	}
}

// promotePolicy reads promote: from the mlcd.yaml of the commit r ran on,
// else of tip; nil when there is none.
func (c *Controller) promotePolicy(ctx context.Context, r *pipeline.Run, tip string) *pipeline.Promote {
	commit := tip
	if r.Git != nil && r.Git.Commit != "" {
		commit = r.Git.Commit
	}
	tree, err := c.repo.FS(ctx, commit)
	if err != nil {
		return nil
	}
	return pipeline.PromoteOf(tree)
}

// registeredBy returns the versions on tip that run r registered.
func (c *Controller) registeredBy(ctx context.Context, r *pipeline.Run, tip string) ([]*registry.Version, error) {
	tree, err := c.repo.FS(ctx, tip)
	if err != nil {
		return nil, err
	}
	reg, err := c.registry.Load(tree)
	if reg == nil {
		return nil, err
	}
	var out []*registry.Version
	for _, m := range reg.Models() {
		for _, v := range m.Versions {
			if v.RunID == r.ID {
				out = append(out, v)
			}
		}
	}
	return out, nil
}
