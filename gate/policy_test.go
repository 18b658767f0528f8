package gate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestPolicyOf(t *testing.T) {
	t.Parallel()
	deploy := func(require string, approvals int) *pipeline.Pipeline {
		return &pipeline.Pipeline{Deploy: pipeline.Deploy{Require: require, Approvals: approvals}}
	}
	tests := []struct {
		name     string
		p        *pipeline.Pipeline
		hasForge bool
		want     Policy
	}{
		{name: "nil pipeline with GitHub", p: nil, hasForge: true, want: Policy{Require: RequireApprovedPR, Approvals: 1}},
		{name: "nil pipeline without GitHub", p: nil, want: Policy{Require: RequireMergeCommit}},
		{name: "unset require with GitHub", p: deploy("", 2), hasForge: true, want: Policy{Require: RequireApprovedPR, Approvals: 2}},
		{name: "unset require without GitHub", p: deploy("", 2), want: Policy{Require: RequireMergeCommit}},
		{name: "approved-pr, 0 approvals counts 1", p: deploy(RequireApprovedPR, 0), want: Policy{Require: RequireApprovedPR, Approvals: 1}},
		{name: "approved-pr, 3 approvals", p: deploy(RequireApprovedPR, 3), want: Policy{Require: RequireApprovedPR, Approvals: 3}},
		{name: "merged-pr ignores approvals", p: deploy(RequireMergedPR, 3), hasForge: true, want: Policy{Require: RequireMergedPR}},
		{name: "none", p: deploy(RequireNone, 1), hasForge: true, want: Policy{Require: RequireNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, PolicyOf(tt.p, tt.hasForge)); diff != "" {
				t.Errorf("PolicyOf (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoosens(t *testing.T) {
	t.Parallel()
	approved := func(n int) Policy { return Policy{Require: RequireApprovedPR, Approvals: n} }
	mode := func(r string) Policy { return Policy{Require: r} }
	tests := []struct {
		name     string
		old, new Policy
		loosens  bool
		how      string
	}{
		{name: "same", old: approved(1), new: approved(1)},
		{name: "approved-pr to merged-pr", old: approved(1), new: mode(RequireMergedPR), loosens: true,
			how: "deploy.require goes from approved-pr to merged-pr, a weaker gate (none < merge-commit < merged-pr < approved-pr)"},
		{name: "approved-pr to none", old: approved(2), new: mode(RequireNone), loosens: true,
			how: "deploy.require goes from approved-pr to none, a weaker gate (none < merge-commit < merged-pr < approved-pr)"},
		{name: "merged-pr to merge-commit", old: mode(RequireMergedPR), new: mode(RequireMergeCommit), loosens: true,
			how: "deploy.require goes from merged-pr to merge-commit, a weaker gate (none < merge-commit < merged-pr < approved-pr)"},
		{name: "merge-commit to none", old: mode(RequireMergeCommit), new: mode(RequireNone), loosens: true,
			how: "deploy.require goes from merge-commit to none, a weaker gate (none < merge-commit < merged-pr < approved-pr)"},
		{name: "to an unknown mode", old: mode(RequireNone), new: mode("sometimes"), loosens: true,
			how: "deploy.require goes from none to sometimes, a weaker gate (none < merge-commit < merged-pr < approved-pr)"},
		{name: "fewer approvals", old: approved(3), new: approved(2), loosens: true,
			how: "deploy.approvals goes from 3 to 2 under approved-pr: fewer approving reviews would let a change deploy"},
		{name: "0 approvals is 1", old: approved(1), new: approved(0)},
		{name: "2 to 0 approvals", old: approved(2), new: approved(0), loosens: true,
			how: "deploy.approvals goes from 2 to 1 under approved-pr: fewer approving reviews would let a change deploy"},
		{name: "more approvals", old: approved(1), new: approved(2)},
		{name: "none to approved-pr", old: mode(RequireNone), new: approved(1)},
		{name: "merge-commit to merged-pr", old: mode(RequireMergeCommit), new: mode(RequireMergedPR)},
		{name: "merged-pr to approved-pr", old: mode(RequireMergedPR), new: approved(1)},
		{name: "approvals outside approved-pr do not matter", old: Policy{Require: RequireMergedPR, Approvals: 5}, new: mode(RequireMergedPR)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loosens, how := Loosens(tt.old, tt.new)
			if loosens != tt.loosens {
				t.Errorf("Loosens(%+v, %+v) = %v, want %v", tt.old, tt.new, loosens, tt.loosens)
			}
			if how != tt.how {
				t.Errorf("how = %q, want %q", how, tt.how)
			}
		})
	}
}
