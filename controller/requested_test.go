package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// askProduction is a task that asks, through the MLflow REST API as
// MlflowClient().transition_model_version_stage does, for v1 of
// demo-model to move to Production, and for an alias.
const askProduction = `import json, os, urllib.request
def call(endpoint, body):
    req = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/" + endpoint,
                                 data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)
mv = call("model-versions/transition-stage", {"name": "demo-model", "version": "1", "stage": "Production", "archive_existing_versions": False})
assert mv["model_version"]["current_stage"] == "None", mv
call("registered-models/alias", {"name": "demo-model", "alias": "champion", "version": "1"})
`

func TestController_StageRequestedThroughMLflowOpensPromotion(t *testing.T) {
	root := t.TempDir()
	bare := gittest.NewBareIn(t, root, "octo/repo.git")
	srv := gittest.Serve(t, root, gittest.ServeOptions{})
	gh := fakegithub.Start(t, fakegithub.Options{})
	gh.ResolveBranches(func(b string) (string, bool) {
		out, err := gittest.TryGit(bare, nil, "rev-parse", "--verify", "refs/heads/"+b)
		return out, err == nil
	})

	person := gittest.Person(t, srv.URL("octo/repo.git"))
	person.Write("mlcd.yaml", "version: 1\npipeline: demo\ntasks:\n  ask: {run: python3 src/ask.py}\n")
	person.Write("src/ask.py", askProduction)
	person.Write(registry.VersionPath("demo-model", 1), string(registry.Marshal(&registry.Version{
		Schema: registry.Schema, Model: "demo-model", Version: 1, Stage: registry.StageNone,
		RunID: "20261126T100000Z-aaaa", Pipeline: "demo", Task: "train", Commit: strings.Repeat("1", 40),
		Artifact: registry.Artifact{File: "model.json", SHA256: strings.Repeat("0", 63) + "1", Size: 1},
		Flavor:   "xgboost", Created: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC),
	})))
	person.Commit("a task that asks for Production through MLflow")
	person.Push()
	c := newController(t, srv.URL("octo/repo.git"), func(cfg *Config) {
		cfg.GitHubToken, cfg.GitHubBaseURL = "t0ken", gh.URL()
	})
	r, err := c.Once(context.Background())
	if err != nil || r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("run: %+v, %v", r, err)
	}
	if errs := c.Status().Errors; len(errs) > 0 {
		t.Fatalf("controller errors: %v", errs)
	}
	var prs []string
	for _, pr := range gh.PRs() {
		prs = append(prs, fmt.Sprintf("#%d %s: %s", pr.Number, pr.State, pr.Title))
	}
	if got := strings.Join(prs, "|"); got != "#1 open: Promote demo-model v1 to Production|#2 open: Set alias champion of demo-model to v1" {
		t.Fatalf("pull requests: %q", got)
	}
	if got := gittest.Git(t, bare, "diff", "main...mlcd/alias-demo-model-champion"); !strings.Contains(got, `+aliases: ["champion"]`) && !strings.Contains(got, "+aliases: [champion]") {
		t.Errorf("alias branch:\n%s", got)
	}
	// The tracked branch is unchanged: the request is only a pull request.
	if v, _ := remoteFile(t, bare, registry.VersionPath("demo-model", 1)); !strings.Contains(v, `stage: "None"`) && !strings.Contains(v, "stage: None") {
		t.Errorf("main's version file changed:\n%s", v)
	}
	if rec, ok := remoteFile(t, bare, pipeline.RunRelPath("demo", r.ID)); !ok || !strings.Contains(rec, `"stage_requests"`) {
		t.Errorf("record:\n%s", rec)
	}
}
