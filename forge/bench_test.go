package forge

import (
	"context"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/fakegithub"
)

// BenchmarkClient_GateCheck measures one approved-pr decision (three API
// calls: commits/{sha}/pulls, reviews, combined status) against the local
// fake: the client's own overhead, not GitHub's latency.
func BenchmarkClient_GateCheck(b *testing.B) {
	gh := fakegithub.Start(b, fakegithub.Options{})
	c, err := New(Options{BaseURL: gh.URL(), Owner: "octo", Repo: "repo"})
	if err != nil {
		b.Fatal(err)
	}
	p := gh.AddPR(fakegithub.PR{Title: "t", HeadRef: "x", HeadSHA: sha('e'), BaseRef: "main", Author: "alice"})
	if err := gh.MergePR(p.Number, sha('c')); err != nil {
		b.Fatal(err)
	}
	if err := gh.AddReview(p.Number, "bob", "APPROVED"); err != nil {
		b.Fatal(err)
	}
	gh.AddStatus(sha('e'), "mlcd/check", "success")
	ctx := context.Background()
	for b.Loop() {
		d, err := c.GateCheck(ctx, sha('c'), "main", RequireApprovedPR, 1, "mlcd/check")
		if err != nil || !d.Allowed {
			b.Fatalf("%+v %v", d, err)
		}
	}
}
