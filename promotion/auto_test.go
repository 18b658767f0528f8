package promotion

import (
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

func TestAuto_OneUpdatedPRPerModel(t *testing.T) {
	w := newWorld(t, version(1, registry.StageProduction, 0.80), version(2, registry.StageNone, 0.85))
	ctx := testContext(t)
	repo, gh := w.repo(t), w.client(t)
	policy := &pipeline.Promote{Metric: "f1", Goal: "max", MinDelta: 0.01, OpenPR: true}
	auto := func(n int) (*Result, string) {
		t.Helper()
		res, why, err := Auto(ctx, repo, gh, AutoRequest{Model: "churn", Version: n, Policy: policy})
		if err != nil {
			t.Fatalf("Auto(v%d): %v", n, err)
		}
		return res, why
	}
	titles := func() []string {
		var out []string
		for _, pr := range w.gh.PRs() {
			out = append(out, pr.State+": "+pr.Title)
		}
		return out
	}

	res, _ := auto(2)
	if res == nil || !res.Created || res.Branch != "mlcd/auto-promote-churn" {
		t.Fatalf("v2 beats v1: result %+v, want a new pull request from mlcd/auto-promote-churn", res)
	}
	if got := titles(); strings.Join(got, "|") != "open: Promote churn v2 to Production" {
		t.Fatalf("pull requests %q", got)
	}
	// The same version again (a recovered record): the same pull request.
	if res, _ := auto(2); res == nil || res.Created || res.PR.Number != 1 {
		t.Errorf("v2 again: %+v, want pull request #1 updated", res)
	}

	// A worse version opens nothing and leaves the proposal.
	w.add(t, version(3, registry.StageNone, 0.805))
	if res, why := auto(3); res != nil || !strings.Contains(why, "does not beat Production v1") {
		t.Errorf("v3 within min_delta: %+v, %q; want nothing", res, why)
	}
	// A better one updates the same pull request and replaces the bot's
	// branch.
	w.add(t, version(4, registry.StageNone, 0.90))
	if res, _ := auto(4); res == nil || res.Created || res.PR.Number != 1 {
		t.Errorf("v4: %+v, want pull request #1 updated", res)
	}
	if got := titles(); strings.Join(got, "|") != "open: Promote churn v4 to Production" {
		t.Errorf("pull requests %q, want the one, now for v4", got)
	}
	if got := gittest.Git(t, w.bare, "diff", "--name-only", "main", "mlcd/auto-promote-churn"); got != "models/churn/v4.yaml" {
		t.Errorf("auto branch changes %q, want only v4's file", got)
	}
	// One that beats Production but not the proposed v4 leaves v4.
	w.add(t, version(5, registry.StageNone, 0.86))
	if res, why := auto(5); res != nil || !strings.Contains(why, "not v4") {
		t.Errorf("v5: %+v, %q; want v4 kept", res, why)
	}
	if got := titles(); len(got) != 1 || got[0] != "open: Promote churn v4 to Production" {
		t.Errorf("pull requests %q", got)
	}
}

func TestAuto_NoProductionCountsAsBeaten(t *testing.T) {
	w := newWorld(t, version(1, registry.StageNone, 0.5))
	res, _, err := Auto(testContext(t), w.repo(t), nil, AutoRequest{Model: "churn", Version: 1,
		Policy: &pipeline.Promote{Metric: "f1", Goal: "max", MinDelta: 0.5, OpenPR: true}})
	if err != nil || res == nil || res.PR != nil {
		t.Fatalf("Auto: %+v, %v; want the branch pushed without a pull request", res, err)
	}
	if got := gittest.Git(t, w.bare, "show", res.Branch+":models/churn/v1.yaml"); !strings.Contains(got, "stage: Production") {
		t.Errorf("auto branch's file:\n%s", got)
	}
}
