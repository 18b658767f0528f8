package promotion

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// AutoBranch is the branch of a model's auto-promotion,
// mlcd/auto-promote-<model>: one per model, so that a newer version that
// wins updates the open pull request rather than opening another.
func AutoBranch(model string) string { return "mlcd/auto-promote-" + model }

// AutoRequest is a version to promote if it wins under Policy.
type AutoRequest struct {
	Model     string
	Version   int
	Policy    *pipeline.Promote
	ReportURL string
}

// Auto proposes version req.Version of req.Model for Production on
// AutoBranch when it beats the Production version under req.Policy
// (registry.Beats: by at least min_delta; no Production counts as beaten)
// and beats the version the branch proposes now, if any. It returns the
// result, or nil and why nothing was proposed.
func Auto(ctx context.Context, repo *gitstore.Repo, gh *forge.Client, req AutoRequest) (*Result, string, error) {
	if req.Policy == nil {
		return nil, "no promote: policy", nil
	}
	tip, err := repo.Fetch(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", repo.Branch(), err)
	}
	tree, err := repo.FS(ctx, tip)
	if err != nil {
		return nil, "", err
	}
	reg, err := registry.Load(tree)
	if reg == nil {
		return nil, "", fmt.Errorf("registry of %s: %w", repo.Branch(), err)
	}
	v := reg.Version(req.Model, req.Version)
	if v == nil {
		return nil, "", fmt.Errorf("%s v%d: %w", req.Model, req.Version, ErrUnknown)
	}
	prod := reg.Production(req.Model)
	if ok, delta := registry.Beats(v, prod, req.Policy); !ok {
		if prod == nil {
			return nil, fmt.Sprintf("has no metric %s", req.Policy.Metric), nil
		}
		return nil, fmt.Sprintf("does not beat Production v%d on %s by min_delta %g (delta %g)",
			prod.Version, req.Policy.Metric, req.Policy.MinDelta, delta), nil
	}
	proposed, err := proposedOn(ctx, repo, reg, req.Model)
	if err != nil {
		return nil, "", err
	}
	if proposed != nil && proposed.Version != v.Version {
		if ok, _ := registry.Beats(v, proposed, req.Policy); !ok {
			return nil, fmt.Sprintf("beats Production but not v%d, which %s proposes", proposed.Version, AutoBranch(req.Model)), nil
		}
	}
	res, err := Open(ctx, repo, gh, Request{
		Model: req.Model, Version: req.Version, Stage: registry.StageProduction,
		Branch: AutoBranch(req.Model), Policy: req.Policy, ReportURL: req.ReportURL,
	})
	return res, "", err
}

// proposedOn returns the version of model that the auto-promotion branch
// sets to Production relative to reg (the tracked branch), or nil when
// there is no branch or it proposes nothing any more (it was merged).
func proposedOn(ctx context.Context, repo *gitstore.Repo, reg *registry.Registry, model string) (*registry.Version, error) {
	tip, err := repo.BranchTip(ctx, AutoBranch(model))
	if errors.Is(err, gitstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	tree, err := repo.FS(ctx, tip)
	if err != nil {
		return nil, err
	}
	breg, err := registry.Load(tree)
	if breg == nil {
		return nil, fmt.Errorf("registry of %s: %w", AutoBranch(model), err)
	}
	for _, c := range registry.Diff(reg, breg) {
		if c.Model == model && !c.Added && !c.Removed && c.StageChanged() && c.ToStage == registry.StageProduction {
			return breg.Version(model, c.Version), nil
		}
	}
	return nil, nil
}
