package gate

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

const (
	model   = "churn-xgb"
	version = 3
	promo   = "mlcd/promote-churn-xgb-v3"
)

// versionFile is the registry file of churn-xgb v3 at stage st.
func versionFile(st registry.Stage, description string) string {
	return string(registry.Marshal(&registry.Version{
		Schema: registry.Schema, Model: model, Version: version, Stage: st, Description: description,
		RunID: "20261126T233401Z-ab12", Pipeline: "churn", Task: "train_xgb",
		Commit:   strings.Repeat("a", 40),
		Artifact: registry.Artifact{File: "model.json", SHA256: strings.Repeat("b", 64), Size: 1234},
		Flavor:   pipeline.FlavorXGBoost,
		Metrics:  map[string]float64{"f1": 0.8},
		Created:  time.Date(2026, 11, 26, 23, 34, 1, 0, time.UTC),
	}))
}

// fixture is a remote whose main holds churn-xgb v3 at stage None, the
// person who pushes to it, and a fake GitHub for the same repository.
type fixture struct {
	bare   string
	person *gittest.Clone
	gh     *fakegithub.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", "pipeline: churn\n")
	p.Write(registry.VersionPath(model, version), versionFile(registry.StageNone, ""))
	p.Commit("register churn-xgb v3")
	p.Push()
	return &fixture{bare: bare, person: p, gh: fakegithub.Start(t, fakegithub.Options{})}
}

// directPush sets Production with a commit straight on main (what a squash
// merge also looks like to git).
func (f *fixture) directPush(msg string) string {
	f.person.Write(registry.VersionPath(model, version), versionFile(registry.StageProduction, ""))
	c := f.person.Commit(msg)
	f.person.Push()
	return c
}

// merge sets Production on a promotion branch and merges it with --no-ff,
// main having moved meanwhile; it returns the merge and the branch's head.
func (f *fixture) merge() (merge, head string) {
	p := f.person
	p.Branch(promo)
	p.Write(registry.VersionPath(model, version), versionFile(registry.StageProduction, ""))
	head = p.Commit("promote churn-xgb v3")
	p.Switch("main")
	p.Write("README.md", "# churn\n")
	p.Commit("docs")
	merge = p.Merge(promo, "Merge pull request #1 from "+promo)
	p.Push()
	return merge, head
}

// pr records on the fake GitHub a pull request by alice from head, merged
// as mergeSHA.
func (f *fixture) pr(t *testing.T, head, mergeSHA string) int {
	t.Helper()
	pr := f.gh.AddPR(fakegithub.PR{Title: "Promote churn-xgb v3", HeadRef: promo, HeadSHA: head, BaseRef: "main", Author: "alice"})
	if err := f.gh.MergePR(pr.Number, mergeSHA); err != nil {
		t.Fatal(err)
	}
	return pr.Number
}

func (f *fixture) open(t *testing.T) (*gitstore.Repo, string) {
	t.Helper()
	ctx := context.Background()
	r, err := gitstore.Open(ctx, filepath.Join(t.TempDir(), "repo"), gitstore.Options{URL: f.bare})
	if err != nil {
		t.Fatal(err)
	}
	head, err := r.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return r, head
}

func (f *fixture) forge(t *testing.T) *forge.Client {
	t.Helper()
	c, err := forge.New(forge.Options{BaseURL: f.gh.URL(), Token: "t0ken", Owner: f.gh.Owner(), Repo: f.gh.Repo(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	type result struct {
		allowed bool
		reason  string // the whole reason, with <commit> for the short hash of the deciding commit
		pr      bool   // the decision names the pull request
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, f *fixture) (decider string) // makes the history, returns the commit that set Production
		require string
		github  bool
		want    result
	}{
		{
			name: "direct push under merge-commit", require: RequireMergeCommit,
			setup: func(t *testing.T, f *fixture) string { return f.directPush("promote v3") },
			want:  result{reason: "commit <commit> set churn-xgb v3 to Production by a direct push, not a merge; deploy.require is merge-commit"},
		},
		{
			name:  "direct push, default without GitHub is merge-commit",
			setup: func(t *testing.T, f *fixture) string { return f.directPush("promote v3") },
			want:  result{reason: "commit <commit> set churn-xgb v3 to Production by a direct push, not a merge; deploy.require is merge-commit"},
		},
		{
			name: "direct push under approved-pr", require: RequireApprovedPR, github: true,
			setup: func(t *testing.T, f *fixture) string { return f.directPush("promote v3") },
			want:  result{reason: "churn-xgb v3 to Production: commit <commit> is not the merge of a pull request into main; deploy.require is approved-pr"},
		},
		{
			name: "direct push, default with GitHub is approved-pr", github: true,
			setup: func(t *testing.T, f *fixture) string { return f.directPush("promote v3") },
			want:  result{reason: "churn-xgb v3 to Production: commit <commit> is not the merge of a pull request into main; deploy.require is approved-pr"},
		},
		{
			name: "direct push under none", require: RequireNone,
			setup: func(t *testing.T, f *fixture) string { return f.directPush("promote v3") },
			want:  result{allowed: true, reason: "commit <commit> set churn-xgb v3 to Production; deploy.require is none"},
		},
		{
			name: "no-ff merge under merge-commit", require: RequireMergeCommit,
			setup: func(t *testing.T, f *fixture) string { m, _ := f.merge(); return m },
			want:  result{allowed: true, reason: "merge commit <commit> brought churn-xgb v3 to Production into main; deploy.require is merge-commit"},
		},
		{
			name: "merge that sets Production itself", require: RequireMergeCommit,
			setup: func(t *testing.T, f *fixture) string {
				p := f.person
				p.Branch("feature")
				p.Write("src/train.py", "print('x')\n")
				p.Commit("feature")
				p.Switch("main")
				p.Git("merge", "--quiet", "--no-ff", "--no-commit", "feature")
				p.Write(registry.VersionPath(model, version), versionFile(registry.StageProduction, ""))
				m := p.Commit("Merge feature")
				p.Push()
				return m
			},
			want: result{reason: "merge commit <commit> set churn-xgb v3 to Production itself, not through the branch it merged; deploy.require is merge-commit"},
		},
		{
			name: "merged PR without approval under approved-pr", require: RequireApprovedPR, github: true,
			setup: func(t *testing.T, f *fixture) string {
				m, head := f.merge()
				f.pr(t, head, m)
				f.gh.AddStatus(head, CheckContext, "success")
				return m
			},
			want: result{pr: true, reason: "churn-xgb v3 to Production: pull request #1 has 0 approving review(s) from someone other than its author alice; 1 required; deploy.require is approved-pr"},
		},
		{
			name: "merged PR without approval under merged-pr", require: RequireMergedPR, github: true,
			setup: func(t *testing.T, f *fixture) string {
				m, head := f.merge()
				f.pr(t, head, m)
				return m
			},
			want: result{allowed: true, pr: true, reason: "churn-xgb v3 to Production: commit <commit> is the merge of pull request #1 into main; deploy.require is merged-pr"},
		},
		{
			name: "approval by the author does not count", require: RequireApprovedPR, github: true,
			setup: func(t *testing.T, f *fixture) string {
				m, head := f.merge()
				n := f.pr(t, head, m)
				if err := f.gh.AddReview(n, "alice", "APPROVED"); err != nil {
					t.Fatal(err)
				}
				f.gh.AddStatus(head, CheckContext, "success")
				return m
			},
			want: result{pr: true, reason: "churn-xgb v3 to Production: pull request #1 has 0 approving review(s) from someone other than its author alice; 1 required; deploy.require is approved-pr"},
		},
		{
			name: "approved merge with mlcd check green", require: RequireApprovedPR, github: true,
			setup: func(t *testing.T, f *fixture) string {
				m, head := f.merge()
				n := f.pr(t, head, m)
				if err := f.gh.AddReview(n, "bob", "APPROVED"); err != nil {
					t.Fatal(err)
				}
				f.gh.AddStatus(head, CheckContext, "success")
				return m
			},
			want: result{allowed: true, pr: true, reason: "churn-xgb v3 to Production: commit <commit> is the merge of pull request #1 into main, approved by bob; deploy.require is approved-pr"},
		},
		{
			name: "approved squash merge", require: RequireApprovedPR, github: true,
			setup: func(t *testing.T, f *fixture) string {
				squash := f.directPush("Promote churn-xgb v3 (#1)")
				n := f.pr(t, strings.Repeat("e", 40), squash)
				if err := f.gh.AddReview(n, "bob", "APPROVED"); err != nil {
					t.Fatal(err)
				}
				f.gh.AddStatus(strings.Repeat("e", 40), CheckContext, "success")
				return squash
			},
			want: result{allowed: true, pr: true, reason: "churn-xgb v3 to Production: commit <commit> is the merge of pull request #1 into main, approved by bob; deploy.require is approved-pr"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			decider := tt.setup(t, f)
			// Later commits on the branch, by the bot and by people, do not
			// hide the commit that set Production.
			f.person.Write("runs/churn/1.json", "{}\n")
			f.person.Commit("mlcd: record run 1")
			f.person.Write(registry.VersionPath(model, version), versionFile(registry.StageProduction, "the champion"))
			f.person.Commit("describe v3")
			f.person.Push()
			repo, head := f.open(t)
			in := Input{History: repo, Branch: "main", Head: head, Model: model, Version: version, Require: tt.require}
			if tt.github {
				in.Forge = f.forge(t)
			}
			d, err := Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(tt.want.reason, "<commit>", decider[:7])
			if d.Allowed != tt.want.allowed || d.Reason != want {
				t.Errorf("Evaluate = allowed %v, %q\nwant allowed %v, %q", d.Allowed, d.Reason, tt.want.allowed, want)
			}
			if d.Commit != decider {
				t.Errorf("Commit = %s, want the commit that set Production %s", d.Commit, decider)
			}
			if (d.PR != 0) != tt.want.pr {
				t.Errorf("PR = %d, want a pull request: %v", d.PR, tt.want.pr)
			}
		})
	}
}

func TestEvaluate_needsGitHub(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m, _ := f.merge()
	repo, head := f.open(t)
	for _, require := range []string{RequireApprovedPR, RequireMergedPR} {
		_, err := Evaluate(context.Background(), Input{History: repo, Branch: "main", Head: head, Model: model, Version: version, Require: require})
		if !errors.Is(err, ErrNoForge) {
			t.Errorf("%s without GitHub: err = %v, want ErrNoForge", require, err)
		}
	}
	// A commit given by the caller is used as is, without a walk.
	info, err := repo.Commit(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Evaluate(context.Background(), Input{History: repo, Branch: "main", Head: head, Model: model, Version: version, Commit: info, Require: "merge-commit"})
	if err != nil || !d.Allowed || d.Commit != m {
		t.Errorf("Evaluate with Commit = %+v, %v; want allowed at %s", d, err, m[:7])
	}
	if _, err := Evaluate(context.Background(), Input{History: repo, Head: head, Model: model, Version: version, Commit: info, Require: "anyone"}); err == nil {
		t.Error("unknown mode: no error")
	}
}

func TestSetBy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.person
	base := p.Head()
	first := f.directPush("promote v3")
	p.Write(registry.VersionPath(model, version), versionFile(registry.StageArchived, ""))
	p.Commit("archive v3")
	again, _ := f.merge()
	p.Write(registry.VersionPath(model, version), versionFile(registry.StageProduction, "described"))
	described := p.Commit("describe v3")
	p.Push()
	repo, head := f.open(t)
	ctx := context.Background()

	for _, tc := range []struct {
		name, since, want string
	}{
		{"the newest promotion wins", "", again},
		{"walk stopping before the promotion", base, again},
		{"a description change sets nothing", again, ""},
		{"nothing after the last decided commit", described, ""},
	} {
		c, err := SetBy(ctx, repo, head, tc.since, model, version)
		if tc.want == "" {
			if !errors.Is(err, ErrNotSet) {
				t.Errorf("%s: SetBy = %v, %v; want ErrNotSet", tc.name, c, err)
			}
			continue
		}
		if err != nil || c.Hash != tc.want {
			t.Errorf("%s: SetBy = %v, %v; want %s", tc.name, c, err, tc.want[:7])
		}
	}
	if c, err := SetBy(ctx, repo, first, base, model, version); err != nil || c.Hash != first {
		t.Errorf("SetBy at the first promotion = %v, %v; want %s", c, err, first[:7])
	}
	if _, err := SetBy(ctx, repo, head, "", "other-model", 1); !errors.Is(err, ErrNotSet) {
		t.Errorf("a version that does not exist: err = %v, want ErrNotSet", err)
	}
}

func TestMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		require string
		forge   bool
		want    string
	}{
		{"", false, RequireMergeCommit},
		{"", true, RequireApprovedPR},
		{RequireNone, true, RequireNone},
		{RequireMergedPR, false, RequireMergedPR},
	} {
		if got := Mode(tc.require, tc.forge); got != tc.want {
			t.Errorf("Mode(%q, %v) = %q, want %q", tc.require, tc.forge, got, tc.want)
		}
	}
}
