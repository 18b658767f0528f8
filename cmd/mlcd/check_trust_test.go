package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/registry"
)

const (
	trustPipeline = "pipeline: churn\ntasks:\n  train: {run: echo}\npromote: {metric: f1, goal: max}\n"
	trustGate     = "deploy:\n  require: approved-pr\n  approvals: 2\n"
	runRecord     = "{\n  \"id\": \"20261126T120001Z-ab01\",\n  \"status\": \"success\",\n  \"metrics\": {\"f1\": 0.8}\n}\n"
	deployRecord  = "schema: 1\nmodel: churn\ncurrent:\n  version: 1\n"
)

// trustRepo is a promoRepo whose main also holds the bot's journals (a run
// record, its history, a deployment record) and a gate in mlcd.yaml.
func trustRepo(t *testing.T) *promoRepo {
	t.Helper()
	r := newPromoRepo(t, promoVersion(1, registry.StageProduction, 0.8), promoVersion(2, registry.StageNone, 0.9))
	r.githubEnv(t, "")
	p := r.person
	p.Write("mlcd.yaml", trustPipeline+trustGate)
	p.Write("runs/churn/20261126T120001Z-ab01.json", runRecord)
	p.Write("runs/churn/20261126T120001Z-ab01.history", "f1 0 0.8\n")
	p.Write("deployments/churn.yaml", deployRecord)
	p.Commit("the bot's journals and the gate")
	p.Push()
	return r
}

// botMovesMain commits on main what the bot writes after a run and a
// deploy, as the pull request's branch was cut before: the merge base keeps
// it out of the pull request's change.
func botMovesMain(r *promoRepo, back string) {
	p := r.person
	p.Switch("main")
	p.Write("runs/churn/20261127T080000Z-cd02.json", strings.Replace(runRecord, "ab01", "cd02", 1))
	p.Write("deployments/churn.yaml", deployRecord+"history:\n  - {kind: deploy, version: 1}\n")
	p.Commit("mlcd: run 20261127T080000Z-cd02, deployment record")
	p.Push()
	p.Switch(back)
}

// A pull request that touches the bot's journals, or loosens the merge gate
// in mlcd.yaml, fails `mlcd check` with exit 3 and a problem per file that
// names it (with the line of an edit) and says why.
func TestCheckCommand_journalAndPolicyEditsFail(t *testing.T) {
	why := "written only by the mlcd bot"
	tests := []struct {
		name string
		edit func(r *promoRepo)
		want []string // regexps, each a whole output line's start
	}{
		{"run record edited", func(r *promoRepo) {
			r.person.Write("runs/churn/20261126T120001Z-ab01.json", strings.Replace(runRecord, "0.8", "0.99", 1))
		}, []string{`^runs/churn/20261126T120001Z-ab01\.json:4: the change edits a file of runs/.*` + why}},
		{"run history deleted", func(r *promoRepo) { r.person.Remove("runs/churn/20261126T120001Z-ab01.history") },
			[]string{`^runs/churn/20261126T120001Z-ab01\.history: the change deletes a file of runs/.*` + why}},
		{"run record added", func(r *promoRepo) { r.person.Write("runs/churn/20261201T000000Z-ff00.json", runRecord) },
			[]string{`^runs/churn/20261201T000000Z-ff00\.json: the change adds a file of runs/.*` + why}},
		{"deployment record edited", func(r *promoRepo) {
			r.person.Write("deployments/churn.yaml", strings.Replace(deployRecord, "version: 1", "version: 2", 1))
		}, []string{`^deployments/churn\.yaml:4: the change edits a file of deployments/.*` + why}},
		{"deployment record deleted", func(r *promoRepo) { r.person.Remove("deployments/churn.yaml") },
			[]string{`^deployments/churn\.yaml: the change deletes a file of deployments/.*` + why}},
		{"gate loosened", func(r *promoRepo) { r.person.Write("mlcd.yaml", trustPipeline+"deploy:\n  require: none\n") },
			[]string{`^mlcd\.yaml:6:3: deploy\.require goes from approved-pr to none, a weaker gate .*must be approved on its head by 2 reviewers other than its author`}},
		{"fewer approvals, with a promotion", func(r *promoRepo) {
			r.person.Write("mlcd.yaml", trustPipeline+"deploy:\n  require: approved-pr\n  approvals: 1\n")
			setStage(t, r, promoVersion(2, registry.StageNone, 0.9), registry.StageProduction)
		}, []string{`^mlcd\.yaml:7:3: deploy\.approvals goes from 2 to 1 under approved-pr`}},
		{"gate removed: the default has one approval", func(r *promoRepo) { r.person.Write("mlcd.yaml", trustPipeline) },
			[]string{`^mlcd\.yaml: deploy\.approvals goes from 2 to 1 under approved-pr`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := trustRepo(t)
			r.person.Branch("change")
			tt.edit(r)
			r.person.Commit(tt.name)
			botMovesMain(r, "change")
			out, code, err := mlcd(t, "check", "--repo", r.person.Dir)
			if code != exitBadInput {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, exitBadInput, out)
			}
			for _, w := range tt.want {
				if !regexp.MustCompile("(?m)" + w).MatchString(out) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if n := strings.Count(out, "\n") - strings.Count(out, "note: "); n != len(tt.want) {
				t.Errorf("%d problems, want %d (the bot's commits on main are not the change's):\n%s", n, len(tt.want), out)
			}
		})
	}
}

// The bot's own commits on main, before or after the branch was cut, and
// the promotion branch `mlcd promote` pushes (a stage edit only) pass, also
// when the person merged main into their branch.
func TestCheckCommand_botCommitsAndPromotionPass(t *testing.T) {
	r := trustRepo(t)
	if out, code, err := mlcd(t, "promote", "churn", "2", "--repo", r.url); code != exitOK {
		t.Fatalf("promote: exit %d, %v\n%s", code, err, out)
	}
	botMovesMain(r, "main")
	r.person.Git("fetch", "origin")
	out, code, err := mlcd(t, "check", "--repo", r.person.Dir, "--head", "origin/mlcd/promote-churn-v2")
	if code != exitOK || !strings.Contains(out, "churn v2: None -> Production") {
		t.Errorf("the promotion branch: exit %d, %v\n%s", code, err, out)
	}

	// A person's branch that merges main (with the bot's new records) and
	// tightens the gate passes too.
	r.person.Git("checkout", "-b", "tighten", "main~1")
	r.person.Write("mlcd.yaml", trustPipeline+"deploy:\n  require: approved-pr\n  approvals: 3\n")
	r.person.Commit("three approvals")
	r.person.Git("merge", "--no-edit", "main")
	out, code, err = mlcd(t, "check", "--repo", r.person.Dir)
	if code != exitOK || !strings.Contains(out, "ok: registry change") {
		t.Errorf("tightening after merging main: exit %d, %v\n%s", code, err, out)
	}
}

// With --github, a pull request that loosens the gate passes once GitHub
// says its head is approved by as many people other than its author as the
// gate in force asks; an approval of an earlier push does not count.
func TestCheckCommand_GitHub_looseningNeedsApprovalsOfTheHead(t *testing.T) {
	r := trustRepo(t)
	r.githubEnv(t, "t0ken")
	p := r.person
	p.Branch("loosen")
	p.Write("mlcd.yaml", trustPipeline+"deploy:\n  require: merged-pr\n")
	head := p.Commit("merged pull requests are enough")
	p.Git("push", "origin", "loosen")
	pr := r.gh.AddPR(fakegithub.PR{Title: "Loosen the gate", HeadRef: "loosen", BaseRef: "main", HeadSHA: head, Author: "alice"})
	event := func(sha string) {
		path := filepath.Join(t.TempDir(), "event.json")
		payload := fmt.Sprintf(`{"number": %d, "pull_request": {"number": %d, "head": {"sha": %q}}}`, pr.Number, pr.Number, sha)
		if err := os.WriteFile(path, []byte(payload), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Setenv("GITHUB_EVENT_PATH", path)
	}
	check := func(sha string, wantCode int, wantState string, want string) {
		t.Helper()
		event(sha)
		out, code, err := mlcd(t, "check", "--github", "--repo", p.Dir)
		if code != wantCode || !strings.Contains(out, want) {
			t.Fatalf("exit %d (%v), want %d and %q:\n%s", code, err, wantCode, want, out)
		}
		st := r.gh.Statuses(sha)
		if len(st) == 0 || st[len(st)-1].State != wantState {
			t.Fatalf("statuses on %.7s: %+v, want the last %s", sha, st, wantState)
		}
	}

	check(head, exitBadInput, forge.StateFailure,
		"mlcd.yaml:6:3: deploy.require goes from approved-pr to merged-pr")
	for _, who := range []string{"alice", "bob"} { // the author's approval does not count
		if err := r.gh.AddReview(pr.Number, who, "APPROVED"); err != nil {
			t.Fatal(err)
		}
	}
	check(head, exitBadInput, forge.StateFailure, "pull request #1 has 1 approving review(s) of its head "+head[:7])
	if err := r.gh.AddReview(pr.Number, "carol", "APPROVED"); err != nil {
		t.Fatal(err)
	}
	check(head, exitOK, forge.StateSuccess,
		"note: mlcd.yaml:6:3: deploy.require goes from approved-pr to merged-pr, a weaker gate (none < merge-commit < merged-pr < approved-pr): "+
			"allowed, pull request #1 is approved on its head "+head[:7]+" by bob, carol")

	// A push after the approvals: they were for the commit before.
	p.Write("mlcd.yaml", trustPipeline+"deploy:\n  require: none\n")
	head2 := p.Commit("and none at all")
	p.Git("push", "origin", "loosen")
	if err := r.gh.PushPR(pr.Number, head2); err != nil {
		t.Fatal(err)
	}
	check(head2, exitBadInput, forge.StateFailure, "pull request #1 has 0 approving review(s) of its head "+head2[:7])
}
