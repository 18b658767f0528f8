package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// setStage edits the version file in the clone as a person making a pull
// request would.
func setStage(t *testing.T, r *promoRepo, v *registry.Version, st registry.Stage) {
	t.Helper()
	path := filepath.Join(r.person.Dir, filepath.FromSlash(v.Path()))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	next, err := registry.SetStage(v.Path(), data, st)
	if err != nil {
		t.Fatal(err)
	}
	r.person.Write(v.Path(), string(next))
}

func TestCheckCommand(t *testing.T) {
	v1, v2, v3 := promoVersion(1, registry.StageProduction, 0.8), promoVersion(2, registry.StageNone, 0.9), promoVersion(3, registry.StageNone, 0.85)
	problem := regexp.MustCompile(`(?m)^models/churn/v[0-9]+\.yaml:[0-9]+:[0-9]+: `)
	tests := []struct {
		name     string
		edit     func(t *testing.T, r *promoRepo)
		wantCode int
		want     []string
	}{
		{"stage only", func(t *testing.T, r *promoRepo) { setStage(t, r, v2, registry.StageProduction) },
			exitOK, []string{"1 stage change", "churn v2: None -> Production", "note: no artifact store"}},
		{"digest changed", func(t *testing.T, r *promoRepo) {
			bad := *v2
			bad.Artifact.SHA256 = strings.Repeat("f", 64)
			r.person.Write(v2.Path(), string(registry.Marshal(&bad)))
		}, exitBadInput, []string{"artifact.sha256 changed on existing version 2"}},
		{"two new Productions", func(t *testing.T, r *promoRepo) {
			setStage(t, r, v2, registry.StageProduction)
			setStage(t, r, v3, registry.StageProduction)
		}, exitBadInput, []string{"2 versions of churn become Production in one change"}},
		{"new version file", func(t *testing.T, r *promoRepo) {
			r.person.Write("models/churn/v4.yaml", string(registry.Marshal(promoVersion(4, registry.StageNone, 0.1))))
		}, exitBadInput, []string{"new version file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newPromoRepo(t, v1, v2, v3)
			r.githubEnv(t, "")
			r.person.Branch("change")
			tt.edit(t, r)
			r.person.Commit(tt.name)
			// main moves after the branch is cut: its versions are not the
			// pull request's doing, which the merge base keeps out.
			r.person.Switch("main")
			r.person.Write("models/churn/v5.yaml", string(registry.Marshal(promoVersion(5, registry.StageNone, 0.2))))
			r.person.Commit("a run registers v5")
			r.person.Push()
			r.person.Switch("change")

			out, code, err := mlcd(t, "check", "--repo", r.person.Dir)
			if code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.wantCode == exitBadInput && !problem.MatchString(out) {
				t.Errorf("no file:line:col problem in:\n%s", out)
			}
		})
	}
}

func TestCheckCommand_Store(t *testing.T) {
	r := newPromoRepo(t, promoVersion(1, registry.StageNone, 0.8))
	r.githubEnv(t, "")
	st, err := store.Open(t.TempDir()) // a store without the artifact
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MLCD_STORE", st.Root())
	r.person.Branch("change")
	setStage(t, r, promoVersion(1, registry.StageNone, 0.8), registry.StageStaging)
	r.person.Commit("stage it")
	out, code, _ := mlcd(t, "check", "--repo", r.person.Dir, "--base", "main")
	if code != exitBadInput || !strings.Contains(out, "models/churn/v1.yaml:") || !strings.Contains(out, "is not in the artifact store "+st.Root()) || strings.Contains(out, "note:") {
		t.Errorf("artifact missing from the store: exit %d\n%s", code, out)
	}
	// Once the artifact is stored, the same change passes.
	obj := st.Path(promoVersion(1, registry.StageNone, 0).Artifact.SHA256)
	if err := os.MkdirAll(filepath.Dir(obj), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj, []byte("model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code, err := mlcd(t, "check", "--repo", r.person.Dir, "--base", "main"); code != exitOK {
		t.Errorf("artifact in the store: exit %d, %v\n%s", code, err, out)
	}
}

func TestCheckCommand_GitHub(t *testing.T) {
	v1, v2 := promoVersion(1, registry.StageProduction, 0.8), promoVersion(2, registry.StageNone, 0.9)
	r := newPromoRepo(t, v1, v2)
	r.githubEnv(t, "t0ken")
	r.person.Branch("promote")
	setStage(t, r, v2, registry.StageProduction)
	head := r.person.Commit("promote v2")
	r.person.Git("push", "origin", "promote")
	pr := r.gh.AddPR(fakegithub.PR{Title: "Promote", HeadRef: "promote", BaseRef: "main", HeadSHA: head})
	t.Setenv("GITHUB_REF", "refs/pull/"+strconv.Itoa(pr.Number)+"/merge")

	out, code, err := mlcd(t, "check", "--github", "--repo", r.person.Dir)
	if code != exitOK {
		t.Fatalf("exit %d: %v\n%s", code, err, out)
	}
	st := r.gh.Statuses(head)
	if len(st) != 1 || st[0].Context != "mlcd/check" || st[0].State != forge.StateSuccess {
		t.Fatalf("statuses on the head: %+v", st)
	}
	comments := r.gh.Comments(pr.Number)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "<!-- mlcd:check -->") || !strings.Contains(comments[0].Body, "churn v2 against Production v1") {
		t.Fatalf("comments: %+v", comments)
	}

	// A second push breaks a rule: a new status on the new head, the same
	// comment rewritten.
	bad := *v2
	bad.Stage = registry.StageProduction
	bad.Metrics = map[string]float64{"f1": 0.99}
	r.person.Write(v2.Path(), string(registry.Marshal(&bad)))
	head2 := r.person.Commit("better numbers")
	out, code, _ = mlcd(t, "check", "--github", "--repo", r.person.Dir)
	if code != exitBadInput {
		t.Fatalf("exit %d, want 3\n%s", code, out)
	}
	if st := r.gh.Statuses(head2); len(st) != 1 || st[0].State != forge.StateFailure || !strings.Contains(st[0].Description, "metrics.f1") {
		t.Errorf("statuses on the new head: %+v", st)
	}
	comments = r.gh.Comments(pr.Number)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "refused") {
		t.Errorf("comments after the second run: %+v", comments)
	}
}

// In GitHub Actions the checkout is the pull request's merge commit and
// the event names the pull request and its head: the status goes on the
// head, the comparison starts at the target branch.
func TestCheckCommand_GitHubMergeRef(t *testing.T) {
	v1, v2 := promoVersion(1, registry.StageProduction, 0.8), promoVersion(2, registry.StageNone, 0.9)
	r := newPromoRepo(t, v1, v2)
	r.githubEnv(t, "t0ken")
	t.Setenv("GITHUB_REPOSITORY", "octo/repo")
	r.person.Branch("promote")
	setStage(t, r, v2, registry.StageProduction)
	head := r.person.Commit("promote v2")
	r.person.Git("push", "origin", "promote")
	r.person.Git("checkout", "--detach", "origin/main")
	r.person.Git("merge", "--no-ff", "-m", "Merge "+head+" into main", "promote")
	merge := r.person.Head()
	pr := r.gh.AddPR(fakegithub.PR{Title: "Promote", HeadRef: "promote", BaseRef: "main", HeadSHA: head})
	event := filepath.Join(t.TempDir(), "event.json")
	payload := `{"action": "synchronize", "number": ` + strconv.Itoa(pr.Number) + `, "pull_request": {"number": ` + strconv.Itoa(pr.Number) + `, "head": {"sha": "` + head + `"}}}`
	if err := os.WriteFile(event, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_PATH", event)

	out, code, err := mlcd(t, "check", "--github", "--repo", r.person.Dir, "--base", "origin/main")
	if code != exitOK || !strings.Contains(out, "churn v2: None -> Production") {
		t.Fatalf("exit %d: %v\n%s", code, err, out)
	}
	if st := r.gh.Statuses(head); len(st) != 1 || st[0].State != forge.StateSuccess {
		t.Errorf("statuses on the pull request's head: %+v", st)
	}
	if st := r.gh.Statuses(merge); len(st) != 0 {
		t.Errorf("statuses on the merge commit: %+v, want none", st)
	}
	if c := r.gh.Comments(pr.Number); len(c) != 1 {
		t.Errorf("comments: %+v", c)
	}
}
