package controller

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

const promotePipeline = `version: 1
pipeline: demo
on: {paths: ["src/**", "mlcd.yaml"]}
defaults: {retry_delay: 10ms}
promote: {metric: f1, goal: max, min_delta: 0.05, open_pr: true}
tasks:
  train:
    run: 'cp src/model "$MLCD_OUT/model.json" && cp src/metrics.json "$MLCD_OUT/metrics.json"'
    inputs: ["src/*"]
    model: {name: demo-model, file: model.json, flavor: xgboost}
`

func TestController_AutoPromotion(t *testing.T) {
	root := t.TempDir()
	bare := gittest.NewBareIn(t, root, "octo/repo.git")
	srv := gittest.Serve(t, root, gittest.ServeOptions{})
	gh := fakegithub.Start(t, fakegithub.Options{})
	gh.ResolveBranches(func(b string) (string, bool) {
		out, err := gittest.TryGit(bare, nil, "rev-parse", "--verify", "refs/heads/"+b)
		return out, err == nil
	})

	person := gittest.Person(t, srv.URL("octo/repo.git"))
	person.Write("mlcd.yaml", promotePipeline)
	person.Write(registry.VersionPath("demo-model", 1), string(registry.Marshal(&registry.Version{
		Schema: registry.Schema, Model: "demo-model", Version: 1, Stage: registry.StageProduction,
		RunID: "20261126T100000Z-aaaa", Pipeline: "demo", Task: "train", Commit: strings.Repeat("1", 40),
		Artifact: registry.Artifact{File: "model.json", SHA256: strings.Repeat("0", 63) + "1", Size: 1},
		Flavor:   "xgboost", Metrics: map[string]float64{"f1": 0.6},
		Created: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC),
	})))
	c := newController(t, srv.URL("octo/repo.git"), func(cfg *Config) {
		cfg.GitHubToken, cfg.GitHubBaseURL = "t0ken", gh.URL()
	})
	ctx := context.Background()
	train := func(model string, f1 float64) {
		t.Helper()
		person.TryPull()
		person.Write("src/model", model+"\n")
		person.Write("src/metrics.json", fmt.Sprintf(`{"f1": %g}`, f1))
		person.Commit("train " + model)
		person.Push()
		r, err := c.Once(ctx)
		if err != nil || r == nil || r.Status != pipeline.StatusSuccess {
			t.Fatalf("run of %s: %+v, %v", model, r, err)
		}
		if errs := c.Status().Errors; len(errs) > 0 {
			t.Fatalf("controller errors: %v", errs)
		}
	}
	prs := func() []string {
		var out []string
		for _, pr := range gh.PRs() {
			out = append(out, fmt.Sprintf("#%d %s: %s", pr.Number, pr.State, pr.Title))
		}
		return out
	}

	train("a", 0.7) // v2 beats v1 by 0.1
	if got := strings.Join(prs(), "|"); got != "#1 open: Promote demo-model v2 to Production" {
		t.Fatalf("after a winning run: %q", got)
	}
	if body := gh.PRs()[0].Body; !strings.Contains(body, "demo-model v2 against Production v1") || !strings.Contains(body, "+0.1") {
		t.Errorf("body:\n%s", body)
	}
	train("b", 0.8) // v3 beats v1 and v2: the same pull request, now for v3
	if got := strings.Join(prs(), "|"); got != "#1 open: Promote demo-model v3 to Production" {
		t.Fatalf("after a second winning run: %q", got)
	}
	train("c", 0.62) // v4 is within min_delta of Production: nothing
	if got := strings.Join(prs(), "|"); got != "#1 open: Promote demo-model v3 to Production" {
		t.Errorf("after a losing run: %q", got)
	}
	if got := gittest.Git(t, bare, "diff", "--name-only", "main...mlcd/auto-promote-demo-model"); got != "models/demo-model/v3.yaml" {
		t.Errorf("auto branch changes %q, want v3's file only", got)
	}
	gittest.CheckNoForcedUpdates(t, bare, "main")
}

func TestController_NoPromotionWhenNotBeaten(t *testing.T) {
	bare, person := newRemote(t)
	person.Write("mlcd.yaml", strings.Replace(demoPipeline, "tasks:", "promote: {metric: auc, open_pr: true}\ntasks:", 1))
	person.Commit("promote on auc, which the task does not report")
	person.Push()
	c := newController(t, bare, nil)
	if r, err := c.Once(context.Background()); err != nil || r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("run: %+v, %v", r, err)
	}
	if _, ok := remoteFile(t, bare, "models/demo-model/v1.yaml"); !ok {
		t.Fatal("no version registered")
	}
	if out := gittest.Git(t, bare, "branch", "--list", "mlcd/*"); out != "" {
		t.Errorf("a version without the metric was proposed: %q", out)
	}
}

// lockedBuffer is a log destination safe for the controller's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestController_AutoPromotionWithoutGitHub(t *testing.T) {
	bare, person := newRemote(t)
	person.Write("mlcd.yaml", strings.Replace(demoPipeline, "tasks:", "promote: {metric: f1, open_pr: true}\ntasks:", 1))
	person.Commit("auto-promote on f1")
	person.Push()
	var logs lockedBuffer
	c := newController(t, bare, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	if r, err := c.Once(context.Background()); err != nil || r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("run: %+v, %v", r, err)
	}
	// No Production yet: v1 wins; the branch is pushed and the log says
	// how to merge it.
	if got := gittest.Git(t, bare, "show", "mlcd/auto-promote-demo-model:models/demo-model/v1.yaml"); !strings.Contains(got, "stage: Production") {
		t.Errorf("auto branch's v1:\n%s", got)
	}
	if !strings.Contains(logs.String(), "git merge --no-ff origin/mlcd/auto-promote-demo-model") {
		t.Errorf("log lacks the merge command:\n%s", logs.String())
	}
}

// The controller asks GitHub with the one client its Config describes:
// GitHub's variables in the process environment, which the commands read
// into Config, do not open pull requests behind its back.
func TestController_AutoPromotionUsesOnlyTheConfiguredGitHub(t *testing.T) {
	root := t.TempDir()
	gittest.NewBareIn(t, root, "octo/repo.git")
	srv := gittest.Serve(t, root, gittest.ServeOptions{})
	gh := fakegithub.Start(t, fakegithub.Options{})
	t.Setenv("GITHUB_TOKEN", "t0ken")
	t.Setenv("GITHUB_API_URL", gh.URL())
	t.Setenv("GITHUB_REPOSITORY", gh.Owner()+"/"+gh.Repo())

	person := gittest.Person(t, srv.URL("octo/repo.git"))
	person.Write("mlcd.yaml", promotePipeline)
	person.Write("src/model", "a\n")
	person.Write("src/metrics.json", `{"f1": 0.7}`)
	person.Commit("train a")
	person.Push()
	c := newController(t, srv.URL("octo/repo.git"), nil)
	if r, err := c.Once(context.Background()); err != nil || r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("run: %+v, %v", r, err)
	}
	if n := len(gh.Requests()); n != 0 {
		t.Errorf("%d requests to GitHub from a controller configured without it", n)
	}
	if out, err := gittest.TryGit(filepath.Join(root, "octo/repo.git"), nil, "rev-parse", "--verify", "refs/heads/mlcd/auto-promote-demo-model"); err != nil {
		t.Errorf("no auto-promotion branch without GitHub: %v %s", err, out)
	}
}
