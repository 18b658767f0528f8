package forge

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
)

func TestClient_Approvals(t *testing.T) {
	t.Parallel()
	old, head := sha('a'), sha('b')
	// review is one review; push before it moves the head from old to head.
	type review struct {
		who, state string
		push       bool
	}
	tests := []struct {
		name      string
		reviews   []review
		author    string // passed; "" makes Approvals look the author up
		want      []string
		wantStale []StaleApproval
	}{
		{name: "none", want: []string{}},
		{name: "one approval", reviews: []review{{"bob", "APPROVED", true}}, author: "alice", want: []string{"bob"}},
		{name: "author's approval does not count", reviews: []review{{"alice", "APPROVED", true}, {"Alice", "APPROVED", false}}, author: "alice", want: []string{}},
		{name: "author looked up", reviews: []review{{"alice", "APPROVED", true}, {"bob", "APPROVED", false}}, want: []string{"bob"}},
		{name: "approval replaced by changes requested", reviews: []review{{"bob", "APPROVED", true}, {"bob", "CHANGES_REQUESTED", false}}, author: "alice", want: []string{}},
		{name: "changes requested then approved", reviews: []review{{"bob", "CHANGES_REQUESTED", true}, {"bob", "APPROVED", false}}, author: "alice", want: []string{"bob"}},
		{name: "a comment keeps the approval", reviews: []review{{"bob", "APPROVED", true}, {"bob", "COMMENTED", false}}, author: "alice", want: []string{"bob"}},
		{name: "dismissed", reviews: []review{{"bob", "APPROVED", true}, {"bob", "DISMISSED", false}}, author: "alice", want: []string{}},
		{name: "several, sorted", reviews: []review{{"carol", "APPROVED", true}, {"bob", "APPROVED", false}, {"dave", "COMMENTED", false}}, author: "alice", want: []string{"bob", "carol"}},
		{name: "approval before a push is stale", reviews: []review{{"bob", "APPROVED", false}, {"carol", "APPROVED", true}}, author: "alice",
			want: []string{"carol"}, wantStale: []StaleApproval{{Login: "bob", Commit: old}}},
		{name: "approved again after the push", reviews: []review{{"bob", "APPROVED", false}, {"bob", "APPROVED", true}}, author: "alice", want: []string{"bob"}},
		{name: "a comment on the head does not renew an approval", reviews: []review{{"bob", "APPROVED", false}, {"bob", "COMMENTED", true}}, author: "alice",
			want: []string{}, wantStale: []StaleApproval{{Login: "bob", Commit: old}}},
		{name: "changes requested on the old head cancel", reviews: []review{{"bob", "CHANGES_REQUESTED", false}, {"dave", "APPROVED", true}}, author: "alice",
			want: []string{"dave"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", HeadSHA: old, BaseRef: "main", Author: "alice"})
			pushed := false
			for _, r := range tt.reviews {
				if r.push && !pushed {
					if err := h.gh.PushPR(p.Number, head); err != nil {
						t.Fatal(err)
					}
					pushed = true
				}
				if err := h.gh.AddReview(p.Number, r.who, r.state); err != nil {
					t.Fatal(err)
				}
			}
			if !pushed {
				if err := h.gh.PushPR(p.Number, head); err != nil {
					t.Fatal(err)
				}
			}
			got, err := h.client.Approvals(context.Background(), p.Number, tt.author, head)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Approvers); diff != "" {
				t.Errorf("Approvers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantStale, got.Stale); diff != "" {
				t.Errorf("Stale (-want +got):\n%s", diff)
			}
		})
	}
}

// Without a head, Approvals asks GitHub for the pull request's head.sha
// and judges the reviews against it.
func TestClient_Approvals_headLookedUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", HeadSHA: sha('a'), BaseRef: "main", Author: "alice"})
	if err := h.gh.AddReview(p.Number, "bob", "APPROVED"); err != nil {
		t.Fatal(err)
	}
	if err := h.gh.PushPR(p.Number, sha('b')); err != nil {
		t.Fatal(err)
	}
	got, err := h.client.Approvals(context.Background(), p.Number, "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := Approval{Head: sha('b'), Approvers: []string{}, Stale: []StaleApproval{{Login: "bob", Commit: sha('a')}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Approvals (-want +got):\n%s", diff)
	}
}

// The latest review decides even when it is on the third page.
func TestClient_Approvals_paginated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", HeadSHA: sha('b'), BaseRef: "main", Author: "alice"})
	for i := 0; i < 230; i++ {
		if err := h.gh.AddReview(p.Number, "bob", "APPROVED"); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.gh.AddReview(p.Number, "bob", "CHANGES_REQUESTED"); err != nil {
		t.Fatal(err)
	}
	got, err := h.client.Approvals(context.Background(), p.Number, "alice", sha('b'))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Approvers) != 0 {
		t.Errorf("approvers %v, want none: bob's latest review requests changes", got.Approvers)
	}
	if n := len(h.gh.Requests()); n != 3 {
		t.Errorf("%d requests, want 3 pages", n)
	}
}

// An approval of the head that is only on the last page still counts.
func TestClient_Approvals_headApprovalOnLastPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", HeadSHA: sha('a'), BaseRef: "main", Author: "alice"})
	for i := 0; i < 150; i++ {
		if err := h.gh.AddReview(p.Number, "bob", "COMMENTED"); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.gh.AddReview(p.Number, "carol", "APPROVED"); err != nil {
		t.Fatal(err)
	}
	got, err := h.client.Approvals(context.Background(), p.Number, "alice", sha('a'))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"carol"}, got.Approvers); diff != "" {
		t.Errorf("Approvers (-want +got):\n%s", diff)
	}
}

// Reviews past the last page forge reads could withdraw an approval: the
// gate answers an error, never a decision on part of the reviews.
func TestClient_Approvals_tooManyReviews(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", HeadSHA: sha('b'), BaseRef: "main", Author: "alice"})
	for i := 0; i < maxPages*100; i++ {
		if err := h.gh.AddReview(p.Number, "bob", "APPROVED"); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.gh.AddReview(p.Number, "bob", "CHANGES_REQUESTED"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Approvals(context.Background(), p.Number, "alice", sha('b')); !errorsIs(err, ErrTooManyReviews) {
		t.Errorf("err = %v, want ErrTooManyReviews", err)
	}
}
