package promotion

import (
	"context"
	"fmt"
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

// version is a valid version of churn with metric f1.
func version(n int, stage registry.Stage, f1 float64) *registry.Version {
	return &registry.Version{
		Schema: registry.Schema, Model: "churn", Version: n, Stage: stage,
		RunID: fmt.Sprintf("20261126T1200%02dZ-ab%02d", n, n), Pipeline: "churn", Task: "train",
		Commit:   strings.Repeat(fmt.Sprint(n%10), 40),
		Artifact: registry.Artifact{File: "model.json", SHA256: fmt.Sprintf("%064x", n), Size: int64(1000 + n)},
		Flavor:   "xgboost",
		Metrics:  map[string]float64{"f1": f1, "logloss": 1 - f1},
		Params:   pipeline.Params{"max_depth": int64(n), "eta": 0.1},
		Created:  time.Date(2026, 11, 26, 12, 0, n, 0, time.UTC),
	}
}

// world is a repository on a git server, a person working on it, and a
// fake GitHub that knows the repository's branches.
type world struct {
	bare   string
	url    string
	person *gittest.Clone
	gh     *fakegithub.Server
}

func newWorld(t *testing.T, versions ...*registry.Version) *world {
	t.Helper()
	root := t.TempDir()
	bare := gittest.NewBareIn(t, root, "octo/repo.git")
	srv := gittest.Serve(t, root, gittest.ServeOptions{})
	w := &world{bare: bare, url: srv.URL("octo/repo.git"), gh: fakegithub.Start(t, fakegithub.Options{})}
	w.person = gittest.Person(t, w.url)
	w.person.Write("mlcd.yaml", "pipeline: churn\ntasks:\n  train: {run: echo}\npromote: {metric: f1, goal: max, min_delta: 0.01, open_pr: true}\n")
	for _, v := range versions {
		w.person.Write(v.Path(), string(registry.Marshal(v)))
	}
	w.person.Commit("the registry")
	w.person.Push()
	w.gh.ResolveBranches(func(b string) (string, bool) {
		out, err := gittest.TryGit(bare, nil, "rev-parse", "--verify", "refs/heads/"+b)
		return out, err == nil
	})
	return w
}

// add commits version v on main as a person would (in tests standing in
// for a run that registered it).
func (w *world) add(t *testing.T, v *registry.Version) {
	t.Helper()
	w.person.Pull()
	w.person.Write(v.Path(), string(registry.Marshal(v)))
	w.person.Commit(fmt.Sprintf("register v%d", v.Version))
	w.person.Push()
}

func (w *world) repo(t *testing.T) *gitstore.Repo {
	t.Helper()
	r, err := gitstore.Open(testContext(t), filepath.Join(t.TempDir(), "clone.git"), gitstore.Options{URL: w.url})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) client(t *testing.T) *forge.Client {
	t.Helper()
	c, why, err := forge.Connect(forge.Settings{Token: "t0ken", BaseURL: w.gh.URL()}, w.url, nil)
	if err != nil || c == nil {
		t.Fatalf("GitHub client: %v (%s)", err, why)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
