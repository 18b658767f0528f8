package gate

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/registry"
)

// The attack: a promotion pull request is approved, then its author pushes
// another commit to it (here the deploy gate itself, set to none) and merges.
// Under approved-pr the approval was of the first commit only, so the
// merge is refused and the reason names both commits. Approved again on
// the head, the same merge passes.
func TestEvaluate_approvalOfAnEarlierHeadDoesNotCount(t *testing.T) {
	t.Parallel()
	for _, reapproved := range []bool{false, true} {
		t.Run(fmt.Sprintf("reapproved=%v", reapproved), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			p := f.person
			p.Branch(promo)
			p.Write(registry.VersionPath(model, version), versionFile(registry.StageProduction, ""))
			approved := p.Commit("promote churn-xgb v3")
			pr := f.gh.AddPR(fakegithub.PR{Title: "Promote churn-xgb v3", HeadRef: promo, HeadSHA: approved, BaseRef: "main", Author: "alice"})
			if err := f.gh.AddReview(pr.Number, "bob", "APPROVED"); err != nil {
				t.Fatal(err)
			}
			p.Write("mlcd.yaml", "pipeline: churn\ndeploy: {require: none}\n")
			head := p.Commit("tidy mlcd.yaml")
			if err := f.gh.PushPR(pr.Number, head); err != nil {
				t.Fatal(err)
			}
			if reapproved {
				if err := f.gh.AddReview(pr.Number, "bob", "APPROVED"); err != nil {
					t.Fatal(err)
				}
			}
			f.gh.AddStatus(head, CheckContext, "success")
			p.Switch("main")
			merge := p.Merge(promo, "Merge pull request #1 from "+promo)
			p.Push()
			if err := f.gh.MergePR(pr.Number, merge); err != nil {
				t.Fatal(err)
			}
			repo, tip := f.open(t)
			defer repo.Close()
			d, err := Evaluate(context.Background(), Input{
				History: repo, Forge: f.forge(t), Branch: "main", Head: tip,
				Model: model, Version: version, Require: RequireApprovedPR,
			})
			if err != nil {
				t.Fatal(err)
			}
			want := Decision{Require: RequireApprovedPR, Commit: merge, PR: pr.Number,
				Reason: fmt.Sprintf("churn-xgb v3 to Production: pull request #1 has 0 approving review(s) from someone other than its author alice; 1 required; "+
					"bob's approval was for commit %s, not the head %s; deploy.require is approved-pr", approved[:7], head[:7]),
				Approvers: []string{},
			}
			if reapproved {
				want.Allowed, want.Approvers = true, []string{"bob"}
				want.Reason = fmt.Sprintf("churn-xgb v3 to Production: commit %s is the merge of pull request #1 into main, approved by bob; deploy.require is approved-pr", merge[:7])
			}
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("Evaluate (-want +got):\n%s", diff)
			}
		})
	}
}
