package gate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
)

// github is a forge client wired to a fake GitHub, for askGitHub.
type github struct {
	gh     *fakegithub.Server
	client *forge.Client
}

func newGitHub(t testing.TB) *github {
	t.Helper()
	gh := fakegithub.Start(t, fakegithub.Options{})
	c, err := forge.New(forge.Options{BaseURL: gh.URL(), Owner: gh.Owner(), Repo: gh.Repo(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &github{gh: gh, client: c}
}

func sha(c byte) string { return strings.Repeat(string(c), 40) }

func TestAskGitHub(t *testing.T) {
	t.Parallel()
	const check = "mlcd/check"
	merge := sha('c')
	type setup struct {
		base      string   // the PR's base; "" for no PR at all
		merged    bool     // merged with merge commit `merge`
		open      bool     // open, its head is `merge`
		approvers []string // APPROVED reviews in order
		status    string   // mlcd's status on the PR head; "" none
	}
	tests := []struct {
		name      string
		setup     setup
		require   string
		approvals int
		allowed   bool
		reason    string
	}{
		{name: "direct push", setup: setup{}, require: RequireMergedPR,
			reason: "commit ccccccc is not the merge of a pull request into main"},
		{name: "open PR head", setup: setup{base: "main", open: true}, require: RequireMergedPR,
			reason: "commit ccccccc is the head of pull request #2, which is still open; it is not the merge of a pull request into main"},
		{name: "merged into another branch", setup: setup{base: "dev", merged: true, approvers: []string{"bob"}, status: "success"}, require: RequireApprovedPR,
			reason: "commit ccccccc is the merge of pull request #2 into dev, not into main"},
		{name: "merged, no approval, merged-pr", setup: setup{base: "main", merged: true}, require: RequireMergedPR, allowed: true,
			reason: "commit ccccccc is the merge of pull request #2 into main"},
		{name: "merged, no approval, approved-pr", setup: setup{base: "main", merged: true, status: "success"}, require: RequireApprovedPR,
			reason: "pull request #2 has 0 approving review(s) from someone other than its author alice; 1 required"},
		{name: "approval by the author", setup: setup{base: "main", merged: true, approvers: []string{"alice"}, status: "success"}, require: RequireApprovedPR,
			reason: "pull request #2 has 0 approving review(s) from someone other than its author alice; 1 required"},
		{name: "approved, squash merged, green", setup: setup{base: "main", merged: true, approvers: []string{"bob"}, status: "success"},
			require: RequireApprovedPR, allowed: true,
			reason: "commit ccccccc is the merge of pull request #2 into main, approved by bob"},
		{name: "two approvals required", setup: setup{base: "main", merged: true, approvers: []string{"bob"}, status: "success"},
			require: RequireApprovedPR, approvals: 2,
			reason: "pull request #2 has 1 approving review(s) from someone other than its author alice; 2 required"},
		{name: "mlcd check failing", setup: setup{base: "main", merged: true, approvers: []string{"bob"}, status: "failure"}, require: RequireApprovedPR,
			reason: `check "mlcd/check" on the head eeeeeee of pull request #2 is failure, not success`},
		{name: "mlcd check missing", setup: setup{base: "main", merged: true, approvers: []string{"bob"}}, require: RequireApprovedPR,
			reason: `check "mlcd/check" on the head eeeeeee of pull request #2 is missing, not success`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newGitHub(t)
			// An unrelated merged PR is always there: it must not be mistaken for ours.
			other := h.gh.AddPR(fakegithub.PR{Title: "other", HeadRef: "o", HeadSHA: sha('1'), BaseRef: "main", Author: "zed"})
			if err := h.gh.MergePR(other.Number, sha('2')); err != nil {
				t.Fatal(err)
			}
			if s := tt.setup; s.base != "" {
				// A squash merge: the merge commit is not the head, and not a two-parent merge.
				head := sha('e')
				if s.open {
					head = merge
				}
				p := h.gh.AddPR(fakegithub.PR{Title: "Promote", HeadRef: "mlcd/promote", HeadSHA: head, BaseRef: s.base, Author: "alice"})
				if s.merged {
					if err := h.gh.MergePR(p.Number, merge); err != nil {
						t.Fatal(err)
					}
				}
				for _, who := range s.approvers {
					if err := h.gh.AddReview(p.Number, who, "APPROVED"); err != nil {
						t.Fatal(err)
					}
				}
				if s.status != "" {
					h.gh.AddStatus(head, check, s.status)
				}
			}
			d, err := askGitHub(context.Background(), h.client, merge, "main", tt.require, tt.approvals, check)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != tt.allowed {
				t.Errorf("Allowed = %v, want %v (%s)", d.Allowed, tt.allowed, d.Reason)
			}
			if diff := cmp.Diff(tt.reason, d.Reason); diff != "" {
				t.Errorf("Reason (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAskGitHub_badRequire(t *testing.T) {
	t.Parallel()
	h := newGitHub(t)
	for _, req := range []string{"merge-commit", "none", ""} {
		if _, err := askGitHub(context.Background(), h.client, sha('a'), "main", req, 1, ""); !errors.Is(err, errNotGitHub) {
			t.Errorf("require %q: err = %v, want errNotGitHub", req, err)
		}
	}
	if n := len(h.gh.Requests()); n != 0 {
		t.Errorf("%d requests for bad arguments", n)
	}
}

// Numbers below 1 still need one approval: approved-pr means approved.
func TestAskGitHub_zeroApprovalsMeansOne(t *testing.T) {
	t.Parallel()
	h := newGitHub(t)
	p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", HeadSHA: sha('e'), BaseRef: "main", Author: "alice"})
	if err := h.gh.MergePR(p.Number, sha('c')); err != nil {
		t.Fatal(err)
	}
	d, err := askGitHub(context.Background(), h.client, sha('c')[:12], "main", RequireApprovedPR, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || d.PR == nil || d.PR.Number != p.Number {
		t.Errorf("decision %+v, want refused for PR #%d", d, p.Number)
	}
}

// Under approved-pr an approval counts only for the commit it reviewed: an
// approval followed by new pushes to the pull request does not approve the
// head that was merged.
func TestAskGitHub_approvalMustBeOfTheMergedHead(t *testing.T) {
	t.Parallel()
	const check = "mlcd/check"
	approved, pushed, merge := sha('d'), sha('e'), sha('c')
	tests := []struct {
		name    string
		reviews func(h *github, number int) // after the push of `pushed`
		allowed bool
		reason  string
	}{
		{name: "approval of an earlier head", reviews: func(*github, int) {},
			reason: "pull request #1 has 0 approving review(s) from someone other than its author alice; 1 required; " +
				"bob's approval was for commit ddddddd, not the head eeeeeee"},
		{name: "approved again on the head", allowed: true,
			reviews: func(h *github, n int) {
				if err := h.gh.AddReview(n, "bob", "APPROVED"); err != nil {
					t.Fatal(err)
				}
			},
			reason: "commit ccccccc is the merge of pull request #1 into main, approved by bob"},
		{name: "approval submitted with the old commit after the push", reviews: func(h *github, n int) {
			if err := h.gh.AddReviewOn(n, "bob", "APPROVED", approved); err != nil {
				t.Fatal(err)
			}
		},
			reason: "pull request #1 has 0 approving review(s) from someone other than its author alice; 1 required; " +
				"bob's approval was for commit ddddddd, not the head eeeeeee"},
		{name: "approval of a commit GitHub no longer has", reviews: func(h *github, n int) {
			if err := h.gh.AddReviewOn(n, "carol", "APPROVED", ""); err != nil {
				t.Fatal(err)
			}
		},
			reason: "pull request #1 has 0 approving review(s) from someone other than its author alice; 1 required; " +
				"bob's approval was for commit ddddddd, not the head eeeeeee; carol's approval was for a commit GitHub no longer has, not the head eeeeeee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newGitHub(t)
			p := h.gh.AddPR(fakegithub.PR{Title: "Promote", HeadRef: "mlcd/promote", HeadSHA: approved, BaseRef: "main", Author: "alice"})
			if err := h.gh.AddReview(p.Number, "bob", "APPROVED"); err != nil {
				t.Fatal(err)
			}
			if err := h.gh.PushPR(p.Number, pushed); err != nil {
				t.Fatal(err)
			}
			tt.reviews(h, p.Number)
			h.gh.AddStatus(pushed, check, "success")
			if err := h.gh.MergePR(p.Number, merge); err != nil {
				t.Fatal(err)
			}
			d, err := askGitHub(context.Background(), h.client, merge, "main", RequireApprovedPR, 1, check)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != tt.allowed {
				t.Errorf("Allowed = %v, want %v (%s)", d.Allowed, tt.allowed, d.Reason)
			}
			if diff := cmp.Diff(tt.reason, d.Reason); diff != "" {
				t.Errorf("Reason (-want +got):\n%s", diff)
			}
		})
	}
}
