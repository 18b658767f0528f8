package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/promotion"
	"github.com/mlcd-dev/mlcd/registry"
)

// requestedPromotions turns the stage changes that r's tasks asked for
// through the MLflow API (transition_model_version_stage) into promotions:
// the same branch and pull request as `mlcd promote`, which the merge gate
// judges like any other; an alias (set_registered_model_alias) becomes
// the pull request of promotion.OpenAlias. Nothing is deployed here.
// Failures go to the status and the log: the run is recorded either way.
func (c *Controller) requestedPromotions(ctx context.Context, r *pipeline.Run, tip string) {
	var asks []stageAsk
	for _, t := range r.Tasks {
		if t.Status != pipeline.StatusSuccess || t.CacheHit {
			continue
		}
		for _, sr := range t.StageRequests {
			asks = append(asks, stageAsk{task: t.Name, req: sr})
		}
	}
	if len(asks) == 0 {
		return
	}
	registered, err := c.registeredBy(ctx, r, tip)
	if err != nil {
		c.status.addError(fmt.Errorf("requested promotions of run %s: %w", r.ID, err))
		return
	}
	gh, why := c.gh, c.ghWhy
	for _, a := range asks {
		log := c.log.With("model", a.req.Model, "task", a.task, "run", r.ID)
		n := a.version(registered)
		if n == 0 {
			log.Info("stage request of a version the run did not register (unchanged model?); nothing to promote", "stage", a.req.Stage)
			continue
		}
		log = log.With("version", n)
		var res *promotion.Result
		if a.req.Stage == "" {
			res, err = promotion.OpenAlias(ctx, c.repo, gh, promotion.AliasRequest{Model: a.req.Model, Version: n, Alias: a.req.Alias})
		} else if stage, perr := registry.ParseStage(a.req.Stage); perr != nil {
			log.Warn("stage request ignored", "err", perr)
			continue
		} else {
			res, err = promotion.Open(ctx, c.repo, gh, promotion.Request{Model: a.req.Model, Version: n, Stage: stage})
		}
		switch {
		case errors.Is(err, promotion.ErrSameStage), errors.Is(err, promotion.ErrAliasSet):
			log.Info("request already satisfied", "stage", a.req.Stage, "alias", a.req.Alias)
		case err != nil:
			log.Warn("requested promotion failed", "err", err)
			c.status.addError(fmt.Errorf("promotion of %s v%d requested by task %s: %w", a.req.Model, n, a.task, err))
		case res.PR != nil:
			log.Info("promotion pull request (requested by the task)", "number", res.PR.Number, "url", res.PR.URL, "branch", res.Branch)
		default:
			log.Info("promotion branch pushed (requested by the task); merge it to deploy", "branch", res.Branch, "merge", res.Merge, "no_pull_request", why)
		}
	}
}

// stageAsk is one StageRequest of a task.
type stageAsk struct {
	task string
	req  pipeline.StageRequest
}

// version is the version the request names: its number, or for 0 the
// version the task registered in this run (0 when it registered none).
func (a stageAsk) version(registered []*registry.Version) int {
	if a.req.Version != 0 {
		return a.req.Version
	}
	for _, v := range registered {
		if v.Model == a.req.Model && v.Task == a.task {
			return v.Version
		}
	}
	return 0
}
