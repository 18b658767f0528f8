package fakegithub

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A review carries the commit it reviewed; a push to the pull request
// moves head.sha and leaves earlier reviews on their commit, as GitHub does.
func TestServer_ReviewsKeepTheirCommitAcrossPushes(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	first, second := strings.Repeat("a", 40), strings.Repeat("b", 40)
	p := s.AddPR(PR{Title: "t", HeadRef: "topic", HeadSHA: first, BaseRef: "main", Author: "alice"})
	if err := s.AddReview(p.Number, "bob", "APPROVED"); err != nil {
		t.Fatal(err)
	}
	if err := s.PushPR(p.Number, second); err != nil {
		t.Fatal(err)
	}
	if err := s.AddReviewOn(p.Number, "carol", "APPROVED", ""); err != nil {
		t.Fatal(err)
	}
	var reviews []map[string]any
	call(t, s, "GET", "/repos/octo/repo/pulls/1/reviews", "", &reviews)
	if len(reviews) != 2 {
		t.Fatalf("%d reviews, want 2", len(reviews))
	}
	// The fields GitHub documents for a review.
	for _, key := range []string{"id", "node_id", "user", "body", "state", "html_url", "pull_request_url", "_links", "submitted_at", "commit_id", "author_association"} {
		if _, ok := reviews[0][key]; !ok {
			t.Errorf("review has no %q: %v", key, reviews[0])
		}
	}
	got := []any{reviews[0]["commit_id"], reviews[1]["commit_id"]}
	if diff := cmp.Diff([]any{first, nil}, got); diff != "" {
		t.Errorf("commit_id (-want +got):\n%s", diff)
	}
	var pull pullJSON
	call(t, s, "GET", "/repos/octo/repo/pulls/1", "", &pull)
	if pull.Head.SHA != second {
		t.Errorf("head.sha = %s, want %s after the push", pull.Head.SHA, second)
	}
	if err := s.MergePR(p.Number, strings.Repeat("c", 40)); err != nil {
		t.Fatal(err)
	}
	if err := s.PushPR(p.Number, first); err == nil {
		t.Error("a push to a merged pull request was accepted")
	}
}
