package promotion

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestOpen_OpensThenUpdatesOnePR(t *testing.T) {
	w := newWorld(t, version(1, registry.StageProduction, 0.80), version(2, registry.StageNone, 0.85))
	ctx := testContext(t)
	repo, gh := w.repo(t), w.client(t)
	res, err := Open(ctx, repo, gh, Request{Model: "churn", Version: 2, ReportURL: "https://octo.github.io/repo/"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Branch != "mlcd/promote-churn-v2" || res.PR == nil || !res.Created {
		t.Fatalf("result %+v, want a new pull request from mlcd/promote-churn-v2", res)
	}
	diff := gittest.Git(t, w.bare, "diff", "-U0", "main", res.Branch)
	var changed []string
	for _, l := range strings.Split(diff, "\n") {
		if (strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-")) && !strings.HasPrefix(l, "+++") && !strings.HasPrefix(l, "---") {
			changed = append(changed, l)
		}
	}
	if want := []string{"-stage: None", "+stage: Production"}; strings.Join(changed, "|") != strings.Join(want, "|") {
		t.Errorf("branch changes %q, want exactly the stage line %q", changed, want)
	}
	prs := w.gh.PRs()
	if len(prs) != 1 || prs[0].Title != "Promote churn v2 to Production" || prs[0].HeadRef != res.Branch || prs[0].BaseRef != "main" {
		t.Fatalf("pull requests %+v", prs)
	}
	for _, want := range []string{"churn v2 against Production v1", "| f1 |", "**v2**", strings.Repeat("0", 63) + "2", "https://octo.github.io/repo/models/churn/v2-vs-production.html"} {
		if !strings.Contains(prs[0].Body, want) {
			t.Errorf("body lacks %q:\n%s", want, prs[0].Body)
		}
	}

	// Main moves (a run registers v3); promoting v2 again leaves the
	// branch, which still makes the change, and updates the same pull
	// request.
	w.add(t, version(3, registry.StageNone, 0.70))
	again, err := Open(ctx, repo, gh, Request{Model: "churn", Version: 2})
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.PR.Number != res.PR.Number || len(w.gh.PRs()) != 1 {
		t.Errorf("second promote: created %v, #%d, %d PRs; want #%d updated", again.Created, again.PR.Number, len(w.gh.PRs()), res.PR.Number)
	}
	if again.Commit != res.Commit || gittest.Git(t, w.bare, "rev-parse", res.Branch) != res.Commit {
		t.Errorf("branch moved to %s, want it left at %s", again.Commit, res.Commit)
	}
}

func TestOpen_Errors(t *testing.T) {
	w := newWorld(t, version(1, registry.StageProduction, 0.80), version(2, registry.StageNone, 0.85))
	broken := strings.Replace(string(registry.Marshal(version(3, registry.StageNone, 0.9))), "run:", "run_id:", 1)
	w.person.Write("models/churn/v3.yaml", broken)
	w.person.Commit("a hand-edited version")
	w.person.Push()
	ctx := testContext(t)
	repo := w.repo(t)
	tests := []struct {
		req  Request
		want error
		text string
	}{
		{Request{Model: "churn", Version: 9}, ErrUnknown, "known versions: v1 (Production), v2 (None)"},
		{Request{Model: "chrun", Version: 1}, ErrUnknown, "known models: churn"},
		{Request{Model: "churn", Version: 1}, ErrSameStage, "churn v1 is Production already"},
		{Request{Model: "churn", Version: 3}, ErrUnknown, "models/churn/v3.yaml does not parse: models/churn/v3.yaml:"},
	}
	for _, tt := range tests {
		_, err := Open(ctx, repo, nil, tt.req)
		if !errors.Is(err, tt.want) || err == nil || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("Open(%+v): %v, want %v with %q", tt.req, err, tt.want, tt.text)
		}
	}
	if out := gittest.Git(t, w.bare, "branch", "--list", "mlcd/*"); out != "" {
		t.Errorf("refused promotions left branches: %q", out)
	}
}

func TestOpen_WithoutGitHub(t *testing.T) {
	w := newWorld(t, version(1, registry.StageNone, 0.80))
	res, err := Open(testContext(t), w.repo(t), nil, Request{Model: "churn", Version: 1, Stage: registry.StageStaging})
	if err != nil {
		t.Fatal(err)
	}
	if res.PR != nil || res.Merge != "git merge --no-ff origin/mlcd/promote-churn-v1" {
		t.Errorf("result %+v, want no PR and the merge command", res)
	}
	if got := gittest.Git(t, w.bare, "show", "mlcd/promote-churn-v1:models/churn/v1.yaml"); !strings.Contains(got, "stage: Staging") {
		t.Errorf("branch's version file:\n%s", got)
	}
	if len(w.gh.Requests()) != 0 {
		t.Errorf("GitHub was called without a client")
	}
}

func TestBody_Golden(t *testing.T) {
	prod, cand := version(1, registry.StageProduction, 0.80), version(2, registry.StageNone, 0.85)
	cand.Params["note"] = "<b>@team</b> | [x](http://evil)"
	policy := &pipeline.Promote{Metric: "f1", Goal: "max", MinDelta: 0.01}
	for name, got := range map[string]string{
		"body.md":         Body(cand, prod, registry.StageProduction, policy, "https://octo.github.io/repo/"),
		"body-no-prod.md": Body(cand, nil, registry.StageProduction, nil, ""),
	} {
		golden := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs (go test -update to accept):\n%s", name, got)
		}
	}
}
