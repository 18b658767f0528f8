package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// promoVersion is a valid version of model churn with metric f1.
func promoVersion(n int, stage registry.Stage, f1 float64) *registry.Version {
	return &registry.Version{
		Schema: registry.Schema, Model: "churn", Version: n, Stage: stage,
		RunID: fmt.Sprintf("20261126T1200%02dZ-ab%02d", n, n), Pipeline: "churn", Task: "train",
		Commit:   strings.Repeat(fmt.Sprint(n%10), 40),
		Artifact: registry.Artifact{File: "model.json", SHA256: fmt.Sprintf("%064x", n), Size: int64(1000 + n)},
		Flavor:   "xgboost",
		Metrics:  map[string]float64{"f1": f1},
		Params:   pipeline.Params{"max_depth": int64(n)},
		Created:  time.Date(2026, 11, 26, 12, 0, n, 0, time.UTC),
	}
}

// promoRepo is a repository served over HTTP as octo/repo (so a fake GitHub
// on 127.0.0.1 recognizes it), holding versions, and the person who
// pushed them.
type promoRepo struct {
	bare, url string
	person    *gittest.Clone
	gh        *fakegithub.Server
}

func newPromoRepo(t *testing.T, versions ...*registry.Version) *promoRepo {
	t.Helper()
	root := t.TempDir()
	bare := gittest.NewBareIn(t, root, "octo/repo.git")
	srv := gittest.Serve(t, root, gittest.ServeOptions{})
	r := &promoRepo{bare: bare, url: srv.URL("octo/repo.git"), gh: fakegithub.Start(t, fakegithub.Options{})}
	r.person = gittest.Person(t, r.url)
	r.person.Write("mlcd.yaml", "pipeline: churn\ntasks:\n  train: {run: echo}\npromote: {metric: f1, goal: max}\n")
	for _, v := range versions {
		r.person.Write(v.Path(), string(registry.Marshal(v)))
	}
	r.person.Commit("the registry")
	r.person.Push()
	r.gh.ResolveBranches(func(b string) (string, bool) {
		out, err := gittest.TryGit(bare, nil, "rev-parse", "--verify", "refs/heads/"+b)
		return out, err == nil
	})
	return r
}

// githubEnv points GitHub at the fake, or (token "") at nothing.
func (r *promoRepo) githubEnv(t *testing.T, token string) {
	t.Setenv("GITHUB_TOKEN", token)
	t.Setenv("GITHUB_API_URL", r.gh.URL())
	t.Setenv("GITHUB_REPOSITORY", "")
	t.Setenv("GITHUB_REF", "")
	t.Setenv("GITHUB_EVENT_PATH", "")
	t.Setenv("MLCD_STORE", "")
	t.Setenv("MLCD_GIT_TOKEN", "")
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // no default artifact store
}

// mlcd runs the command tree in process and returns stdout and the exit
// code.
func mlcd(t *testing.T, args ...string) (string, int, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand(&globalOptions{stdout: &stdout, stderr: &stderr})
	cmd.SetArgs(args)
	err := cmd.Execute()
	return stdout.String(), exitCode(err), err
}

func TestPromoteCommand_GitHub(t *testing.T) {
	r := newPromoRepo(t, promoVersion(1, registry.StageProduction, 0.8), promoVersion(2, registry.StageNone, 0.9))
	r.githubEnv(t, "t0ken")
	out, code, err := mlcd(t, "promote", "churn", "v2", "--repo", r.url, "--author", "Ada Lovelace <ada@example.com>")
	if code != exitOK || !strings.Contains(out, "opened pull request #1") {
		t.Fatalf("promote: exit %d, %v\n%s", code, err, out)
	}
	if got := gittest.Git(t, r.bare, "diff", "--stat", "main", "mlcd/promote-churn-v2"); !strings.Contains(got, "1 file changed, 1 insertion(+), 1 deletion(-)") {
		t.Errorf("branch diff: %s", got)
	}
	if got := gittest.Git(t, r.bare, "log", "-1", "--format=%an", "mlcd/promote-churn-v2"); got != "Ada Lovelace" {
		t.Errorf("author %q, want the --author", got)
	}
	prs := r.gh.PRs()
	if len(prs) != 1 || prs[0].Title != "Promote churn v2 to Production" || !strings.Contains(prs[0].Body, "churn v2 against Production v1") {
		t.Fatalf("pull requests: %+v", prs)
	}

	// Again, from the person's checkout (its origin is the remote): the
	// same pull request is updated.
	out, code, err = mlcd(t, "promote", "churn", "2", "--repo", r.person.Dir)
	if code != exitOK || !strings.Contains(out, "updated pull request #1") || len(r.gh.PRs()) != 1 {
		t.Errorf("second promote: exit %d, %v, %d PRs\n%s", code, err, len(r.gh.PRs()), out)
	}
}

func TestPromoteCommand_PlainGit(t *testing.T) {
	r := newPromoRepo(t, promoVersion(1, registry.StageNone, 0.8))
	r.githubEnv(t, "")
	out, code, err := mlcd(t, "promote", "churn", "1", "--repo", r.bare)
	if code != exitOK {
		t.Fatalf("exit %d: %v", code, err)
	}
	for _, want := range []string{"pushed mlcd/promote-churn-v1", "no pull request: the remote is not on GitHub", "git merge --no-ff origin/mlcd/promote-churn-v1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Doing what it says promotes the version.
	p := r.person
	p.Git("fetch", "origin")
	p.Git("merge", "--no-ff", "-m", "merge promotion", "origin/mlcd/promote-churn-v1")
	if got := p.Git("show", "HEAD:models/churn/v1.yaml"); !strings.Contains(got, "stage: Production") {
		t.Errorf("after the merge:\n%s", got)
	}
	if len(r.gh.Requests()) != 0 {
		t.Errorf("GitHub called without GitHub")
	}
}

func TestPromoteCommand_BadInput(t *testing.T) {
	r := newPromoRepo(t, promoVersion(1, registry.StageProduction, 0.8), promoVersion(2, registry.StageNone, 0.9))
	r.githubEnv(t, "")
	tests := []struct {
		args []string
		text string
	}{
		{[]string{"churn", "7"}, "known versions: v1 (Production), v2 (None)"},
		{[]string{"nope", "1"}, "known models: churn"},
		{[]string{"churn", "1"}, "Production already"},
		{[]string{"churn", "2", "--stage", "Prod"}, "--stage"},
		{[]string{"churn", "two"}, "want a number"},
		{[]string{"churn"}, "accepts 2 arg(s)"},
		{[]string{"churn", "2", "--author", "ada"}, "Name <email>"},
	}
	for _, tt := range tests {
		_, code, err := mlcd(t, append(append([]string{"promote"}, tt.args...), "--repo", r.bare)...)
		if code != exitBadInput || err == nil || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("promote %v: exit %d, %v; want 3 and %q", tt.args, code, err, tt.text)
		}
	}
	if out := gittest.Git(t, r.bare, "branch", "--list", "mlcd/*"); out != "" {
		t.Errorf("refused promotions pushed branches: %q", out)
	}
}

// A bare repository inside a checkout that has an origin (the demo's
// demo/remote.git in a user's clone of mlcd) is the repository promoted,
// not the checkout's origin; an unknown version's error names where it
// looked.
func TestPromoteCommand_BareRepoInsideACheckout(t *testing.T) {
	outer := newPromoRepo(t) // the checkout's origin knows no versions
	outer.githubEnv(t, "")
	inner := gittest.NewBareIn(t, outer.person.Dir, "demo/remote.git")
	p := gittest.Person(t, inner)
	p.Write("mlcd.yaml", "pipeline: churn\ntasks:\n  train: {run: echo}\n")
	v := promoVersion(1, registry.StageNone, 0.8)
	p.Write(v.Path(), string(registry.Marshal(v)))
	p.Commit("the registry")
	p.Push()

	out, code, err := mlcd(t, "promote", "churn", "1", "--repo", inner)
	if code != exitOK || !strings.Contains(out, "repository: the bare repository "+inner) {
		t.Fatalf("promote: exit %d, %v\n%s", code, err, out)
	}
	if got := gittest.Git(t, inner, "branch", "--list", "mlcd/promote-churn-v1"); got == "" {
		t.Errorf("no promotion branch in %s", inner)
	}
	_, code, err = mlcd(t, "promote", "churn", "9", "--repo", inner)
	if code != exitBadInput || err == nil || !strings.Contains(err.Error(), inner) {
		t.Errorf("unknown version: exit %d, %v; want 3 and an error naming %s", code, err, inner)
	}
}
