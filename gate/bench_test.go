package gate

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/registry"
)

// BenchmarkSetBy finds the commit that set Production when it is the
// second commit of a branch of n first-parent commits (the walk's worst
// case: every later commit is a bot record that touches another file), as
// on a first pass without a last reconciled commit.
func BenchmarkSetBy(b *testing.B) {
	for _, n := range []int{100, 2000} {
		b.Run(fmt.Sprintf("commits=%d", n), func(b *testing.B) {
			repo, head := longHistory(b, n)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				c, err := SetBy(ctx, repo, head, "", model, version)
				if err != nil || c == nil {
					b.Fatal(c, err)
				}
			}
		})
	}
}

// longHistory builds, with git fast-import, a main of n commits: v3
// registered, v3 promoted, then n-2 run records.
func longHistory(b *testing.B, n int) (*gitstore.Repo, string) {
	b.Helper()
	bare := gittest.NewBare(b)
	var s strings.Builder
	blob := func(mark int, data string) {
		fmt.Fprintf(&s, "blob\nmark :%d\ndata %d\n%s\n", mark, len(data), data)
	}
	commit := func(i int, msg, change string) {
		fmt.Fprintf(&s, "commit refs/heads/main\ncommitter A <a@example.com> %d +0000\ndata %d\n%s\n%s\n", 1_700_000_000+i, len(msg), msg, change)
	}
	path := registry.VersionPath(model, version)
	blob(1, versionFile(registry.StageNone, ""))
	blob(2, versionFile(registry.StageProduction, ""))
	commit(0, "register", "M 100644 :1 "+path)
	commit(1, "promote", "M 100644 :2 "+path)
	for i := 2; i < n; i++ {
		rec := fmt.Sprintf(`{"run": %d}`, i)
		commit(i, "record", fmt.Sprintf("M 100644 inline runs/churn/%d.json\ndata %d\n%s", i, len(rec), rec))
	}
	if out, err := gittest.TryGit(bare, []byte(s.String()), "fast-import", "--quiet"); err != nil {
		b.Fatalf("fast-import: %v %s", err, out)
	}
	ctx := context.Background()
	repo, err := gitstore.Open(ctx, filepath.Join(b.TempDir(), "repo"), gitstore.Options{URL: bare})
	if err != nil {
		b.Fatal(err)
	}
	head, err := repo.Fetch(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return repo, head
}

// BenchmarkAskGitHub measures one approved-pr decision (three API
// calls: commits/{sha}/pulls, reviews, combined status) against the local
// fake: the gate's and the client's own overhead, not GitHub's latency.
func BenchmarkAskGitHub(b *testing.B) {
	gh := fakegithub.Start(b, fakegithub.Options{})
	c, err := forge.New(forge.Options{BaseURL: gh.URL(), Owner: "octo", Repo: "repo"})
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
		d, err := askGitHub(ctx, c, sha('c'), "main", RequireApprovedPR, 1, "mlcd/check")
		if err != nil || !d.Allowed {
			b.Fatalf("%+v %v", d, err)
		}
	}
}
