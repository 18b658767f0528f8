package controller

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/regtest"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

const gatedModel = "churn-xgb"

// gatedTask is the pipeline's task that trains churn-xgb.
const gatedTask = `  gated:
    run: 'echo gated > "$MLCD_OUT/model.json"'
    model: {name: churn-xgb, file: model.json, flavor: xgboost}
`

// trainedOn holds, per person's clone, the commit the fixture's runs
// trained on.
var trainedOn sync.Map

// gated is churn-xgb version n as task gated registered it, trained on
// the clone's first commit, its model file obj (made up when obj is zero).
func gated(p *gittest.Clone, n int, obj store.Object) regtest.Version {
	commit, _ := trainedOn.Load(p)
	return regtest.Version{Model: gatedModel, N: n, Task: "gated", SHA256: obj.SHA256, Size: obj.Size, TrainedOn: commit.(string)}
}

// gatedVersion is the registry file of churn-xgb version n at stage st, as
// its run registered it.
func gatedVersion(p *gittest.Clone, n int, st registry.Stage) string {
	return gated(p, n, store.Object{}).VersionFile(st)
}

// servedVersion is gatedVersion for a version whose model file is obj.
func servedVersion(p *gittest.Clone, n int, st registry.Stage, obj store.Object) string {
	return gated(p, n, obj).VersionFile(st)
}

// register writes the run record and the version file of churn-xgb v<n>
// at stage st, as mlcd registers them.
func register(p *gittest.Clone, n int, st registry.Stage, obj store.Object) {
	v := gated(p, n, obj)
	v.Stage = st
	regtest.Write(p, v)
}

// gatedRemote is a remote whose main holds the demo pipeline with a task
// that trains churn-xgb (and deploy: as given), and churn-xgb v1 and v2 at
// stage None, registered with their run records.
func gatedRemote(t *testing.T, deploySection string) (string, *gittest.Clone) {
	t.Helper()
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", demoPipeline+gatedTask+deploySection)
	trainedOn.Store(p, p.Commit("add the pipeline"))
	register(p, 1, registry.StageNone, store.Object{})
	register(p, 2, registry.StageNone, store.Object{})
	p.Commit("register churn-xgb v1 and v2")
	p.Push()
	return bare, p
}

// promoteDirect sets version n to Production with a commit pushed straight
// to main, and returns the pushed commit. The controller (the bot) may push
// its records at any time, also between the pull and the push: the person
// then pulls again and pushes again.
func promoteDirect(p *gittest.Clone, n int) string {
	pullKeeping(p) // the bot may have recorded something
	p.Write(registry.VersionPath(gatedModel, n), gatedVersion(p, n, registry.StageProduction))
	p.Commit("promote v" + string(rune('0'+n)))
	return p.PushPulling()
}

// pullKeeping brings the bot's commits into the person's clone, keeping
// what the person has staged.
func pullKeeping(p *gittest.Clone) {
	p.Git("pull", "--quiet", "--rebase", "--autostash", "origin", "main")
}

// promoteMerge sets version n to Production on a branch merged with --no-ff
// (merged again onto the bot's commits when the bot pushed meanwhile).
func promoteMerge(p *gittest.Clone, n int) (merge, head string) {
	branch := "mlcd/promote-churn-xgb-v" + string(rune('0'+n))
	pullKeeping(p)
	p.Branch(branch)
	p.Write(registry.VersionPath(gatedModel, n), gatedVersion(p, n, registry.StageProduction))
	head = p.Commit("promote")
	p.Switch("main")
	merge = p.MergePush(branch, "Merge pull request from "+branch)
	return merge, head
}

// record reads deployments/churn-xgb.yaml on the remote's main.
func remoteRecord(t *testing.T, bare string) *journal.Record {
	t.Helper()
	data, ok := remoteFile(t, bare, journal.Path(gatedModel))
	if !ok {
		t.Fatalf("no %s on the remote", journal.Path(gatedModel))
	}
	rec, err := journal.Parse(journal.Path(gatedModel), []byte(data+"\n"))
	if err != nil {
		t.Fatalf("record on the remote: %v\n%s", err, data)
	}
	return rec
}

func remoteHead(t *testing.T, bare string) string {
	t.Helper()
	return gittest.Git(t, bare, "rev-parse", "main")
}

// hook records the calls of Config.OnDeploy.
type hook struct {
	mu    sync.Mutex
	calls []string
}

func (h *hook) onDeploy(_ context.Context, v *registry.Version, commit string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, v.Model+" v"+string(rune('0'+v.Version))+" "+commit)
}

func (h *hook) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}

func TestController_ReconcileDeploysRefusesADirectPush(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	state := t.TempDir()
	var h hook
	c := newController(t, bare, func(cfg *Config) { cfg.StateDir = state; cfg.OnDeploy = h.onDeploy })
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	pushed := promoteDirect(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	rec := remoteRecord(t, bare)
	if len(rec.History) != 1 {
		t.Fatalf("history = %+v, want one refusal", rec.History)
	}
	ev := rec.History[0]
	wantReason := "commit " + pushed[:7] + " set churn-xgb v2 to Production by a direct push, not a merge; deploy.require is merge-commit"
	if ev.Kind != journal.KindRefusal || ev.Version != 2 || ev.Commit != pushed || ev.Reason != wantReason || ev.Digest != strings.Repeat("2", 64) {
		t.Errorf("event = %+v\nwant a refusal of v2 at %s: %q", ev, pushed[:7], wantReason)
	}
	if rec.Current != nil {
		t.Errorf("current = %+v, want nothing served", rec.Current)
	}
	if d := c.Status().Desired; len(d) != 0 {
		t.Errorf("Desired = %+v after a refusal, want unchanged (empty)", d)
	}
	if calls := h.got(); len(calls) != 0 {
		t.Errorf("OnDeploy called %v after a refusal", calls)
	}

	// The same head again, and a restart: nothing is decided twice.
	tip := remoteHead(t, bare)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	c2 := newController(t, bare, func(cfg *Config) { cfg.StateDir = state })
	if err := c2.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if now := remoteHead(t, bare); now != tip {
		t.Errorf("a replayed pass committed again: %s -> %s", tip[:7], now[:7])
	}
	if n := len(remoteRecord(t, bare).History); n != 1 {
		t.Errorf("history holds %d events after a replay, want 1", n)
	}
}

func TestController_ReconcileDeploysAcceptsAMerge(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "deploy: {require: merge-commit}\n")
	state := t.TempDir()
	var h hook
	c := newController(t, bare, func(cfg *Config) { cfg.StateDir = state; cfg.OnDeploy = h.onDeploy })
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	merge, _ := promoteMerge(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	d, ok := c.Status().Desired[gatedModel]
	if !ok || d.Version != 2 || d.Commit != merge || d.Since.IsZero() {
		t.Fatalf("Desired = %+v, want churn-xgb v2 set by %s", c.Status().Desired, merge[:7])
	}
	if want := []string{"churn-xgb v2 " + merge}; strings.Join(h.got(), ",") != strings.Join(want, ",") {
		t.Errorf("OnDeploy calls = %v, want %v", h.got(), want)
	}
	if _, ok := remoteFile(t, bare, journal.Path(gatedModel)); ok {
		t.Errorf("an accepted change wrote a record; the deployer does")
	}

	// A restart shows the desired deployment at once and decides nothing again.
	var h2 hook
	c2 := newController(t, bare, func(cfg *Config) { cfg.StateDir = state; cfg.OnDeploy = h2.onDeploy })
	if d2 := c2.Status().Desired[gatedModel]; d2.Version != 2 || d2.Commit != merge {
		t.Errorf("after a restart Desired = %+v, want v2", c2.Status().Desired)
	}
	if err := c2.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if calls := h2.got(); len(calls) != 0 {
		t.Errorf("a restart called OnDeploy again: %v", calls)
	}
}

func TestController_ReconcileDeploysFreshStateJudgesHistory(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	pushed := promoteDirect(p, 1) // before any controller looked
	merge, _ := promoteMerge(p, 2)
	var h hook
	c := newController(t, bare, func(cfg *Config) { cfg.OnDeploy = h.onDeploy })
	if err := c.ReconcileDeploys(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d, ok := c.Status().Desired[gatedModel]; !ok || d.Version != 2 || d.Commit != merge {
		t.Errorf("Desired = %+v, want v2 from the merge %s: history is judged, not adopted", c.Status().Desired, merge[:7])
	}
	ev := remoteRecord(t, bare).History
	if len(ev) != 1 || ev[0].Kind != journal.KindRefusal || ev[0].Version != 1 || ev[0].Commit != pushed {
		t.Errorf("history = %+v, want the refusal of the direct push %s", ev, pushed[:7])
	}
	if want := []string{"churn-xgb v2 " + merge}; strings.Join(h.got(), ",") != strings.Join(want, ",") {
		t.Errorf("OnDeploy calls = %v, want %v", h.got(), want)
	}
}

func TestController_ReconcileDeploysGateCannotBeLoosenedByTheChange(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	c := newController(t, bare, nil)
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	// One direct push that turns the gate off and promotes: the gate that
	// applies is the branch's before the push.
	p.Write("mlcd.yaml", demoPipeline+gatedTask+"deploy: {require: none}\n")
	promoteDirect(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := remoteRecord(t, bare).History; len(ev) != 1 || ev[0].Kind != journal.KindRefusal {
		t.Fatalf("history = %+v, want a refusal", ev)
	}
	// The loosening itself came by a direct push: merge-commit stays in
	// force, and the next direct promotion is refused too.
	pushed := promoteDirect(p, 1)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c.Status().Desired; len(d) != 0 {
		t.Errorf("Desired = %+v, want nothing: deploy.require none never took effect", d)
	}
	ev := remoteRecord(t, bare).History
	if last := ev[len(ev)-1]; last.Version != 1 || last.Commit != pushed || !strings.Contains(last.Reason, "deploy.require is merge-commit") {
		t.Errorf("last event = %+v, want v1 refused under merge-commit", last)
	}
	if !strings.Contains(statusErrors(c), "loosens the gate (deploy.require goes from merge-commit to none, a weaker gate") {
		t.Errorf("status errors = %q, want the refused policy change", statusErrors(c))
	}
}

// A policy change that arrives the way the policy in force demands takes
// effect.
func TestController_ReconcileDeploysPolicyChangeThroughAMerge(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	c := newController(t, bare, nil)
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	p.Branch("loosen")
	p.Write("mlcd.yaml", demoPipeline+gatedTask+"deploy: {require: none}\n")
	p.Commit("deploy.require none")
	p.Switch("main")
	p.Merge("loosen", "Merge branch loosen")
	p.Push()
	promoteDirect(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c.Status().Desired[gatedModel]; d.Version != 2 {
		t.Errorf("Desired = %+v, want v2 under deploy.require none merged in", c.Status().Desired)
	}
}

func TestController_ReconcileDeploysOnGitHub(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	gh := fakegithub.Start(t, fakegithub.Options{})
	state := t.TempDir()
	withGitHub := func(cfg *Config) {
		cfg.StateDir = state
		cfg.GitHubToken, cfg.GitHubBaseURL, cfg.GitHubRepo = "t0ken", gh.URL(), gh.Owner()+"/"+gh.Repo()
	}
	c := newController(t, bare, withGitHub)
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	// A merged pull request without an approval, under the default
	// approved-pr.
	merge, head := promoteMerge(p, 2)
	pr := gh.AddPR(fakegithub.PR{Title: "Promote churn-xgb v2", HeadRef: "mlcd/promote-churn-xgb-v2", HeadSHA: head, BaseRef: "main", Author: "alice"})
	if err := gh.MergePR(pr.Number, merge); err != nil {
		t.Fatal(err)
	}
	gh.AddStatus(head, "mlcd/check", "success")
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	ev := remoteRecord(t, bare).History
	wantReason := "churn-xgb v2 to Production: pull request #1 has 0 approving review(s) from someone other than its author alice; 1 required; deploy.require is approved-pr"
	if len(ev) != 1 || ev[0].Reason != wantReason || ev[0].PR != pr.Number || ev[0].Commit != merge {
		t.Fatalf("history = %+v\nwant one refusal of PR #%d at %s: %q", ev, pr.Number, merge[:7], wantReason)
	}
	st := gh.Statuses(merge)
	if len(st) != 1 || st[0].State != "failure" || st[0].Context != DeployStatusContext || !strings.HasPrefix(wantReason, strings.TrimSuffix(st[0].Description, "…")) {
		t.Errorf("statuses on %s = %+v, want one failure of %s with the reason", merge[:7], st, DeployStatusContext)
	}
	if d := c.Status().Desired; len(d) != 0 {
		t.Errorf("Desired = %+v, want unchanged", d)
	}

	// A restart asks GitHub nothing more.
	asked := len(gh.Requests())
	c2 := newController(t, bare, withGitHub)
	if err := c2.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(gh.Requests()); n != asked {
		t.Errorf("a restart sent %d more requests to GitHub", n-asked)
	}

	// Approved by someone else: the next promotion (v1) passes.
	merge1, head1 := promoteMerge(p, 1)
	pr1 := gh.AddPR(fakegithub.PR{Title: "Promote churn-xgb v1", HeadRef: "mlcd/promote-churn-xgb-v1", HeadSHA: head1, BaseRef: "main", Author: "alice"})
	if err := gh.MergePR(pr1.Number, merge1); err != nil {
		t.Fatal(err)
	}
	if err := gh.AddReview(pr1.Number, "bob", "APPROVED"); err != nil {
		t.Fatal(err)
	}
	gh.AddStatus(head1, "mlcd/check", "success")
	if err := c2.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c2.Status().Desired[gatedModel]; d.Version != 1 || d.Commit != merge1 {
		t.Errorf("Desired = %+v, want v1 set by %s", c2.Status().Desired, merge1[:7])
	}
}

func TestController_ReconcileDeploysFinishesAnInterruptedPass(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	state := t.TempDir()
	c := newController(t, bare, func(cfg *Config) { cfg.StateDir = state })
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	pushed := promoteDirect(p, 2)
	// A process decided, saved its decision and died before recording it.
	st, err := c.state.loadDeploys()
	if err != nil {
		t.Fatal(err)
	}
	st.Decided = map[string]*gateOutcome{"churn-xgb v2 " + pushed + " promotion": {Reason: "decided before the crash", Commit: pushed}}
	if err := c.state.saveDeploys(st); err != nil {
		t.Fatal(err)
	}
	c2 := newController(t, bare, func(cfg *Config) { cfg.StateDir = state })
	if err := c2.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := remoteRecord(t, bare).History; len(ev) != 1 || ev[0].Reason != "decided before the crash" {
		t.Errorf("history = %+v, want the decision taken before the crash, not a new one", ev)
	}
	after, err := c2.state.loadDeploys()
	if err != nil {
		t.Fatal(err)
	}
	if after.Commit != pushed || len(after.Decided) != 0 {
		t.Errorf("state after the pass = %+v, want commit %s and nothing pending", after, pushed[:7])
	}
}

func TestController_ReconcileDeploysKeepsAnInvalidRecord(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	c := newController(t, bare, nil)
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	p.Write(journal.Path(gatedModel), "schema: 1\nmodel: churn-xgb\nhistory: []\nowner: me\n")
	promoteDirect(p, 2)
	err := c.ReconcileDeploys(ctx)
	if err == nil || !strings.Contains(err.Error(), "deployments/churn-xgb.yaml:4:1: record: unknown key \"owner\"") {
		t.Fatalf("err = %v, want the record's problem with its place", err)
	}
	if got, _ := remoteFile(t, bare, journal.Path(gatedModel)); !strings.Contains(got, "owner: me") {
		t.Errorf("the person's record was overwritten: %q", got)
	}
	// Once fixed, the refusal is recorded without a second decision.
	p.Write(journal.Path(gatedModel), "schema: 1\nmodel: churn-xgb\nhistory: []\n")
	p.Commit("fix the record")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := remoteRecord(t, bare).History; len(ev) != 1 || ev[0].Kind != journal.KindRefusal {
		t.Errorf("history = %+v, want the refusal", ev)
	}
	if _, err := os.Stat(c.state.deploysFile()); err != nil {
		t.Error(err)
	}
}

func TestController_WatchReconcilesDeploys(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "")
	c := newController(t, bare, func(cfg *Config) { cfg.Interval = 100 * time.Millisecond })
	watch(t, c)
	waitFor(t, func() bool { return c.Status().Seen != nil }) // the first pass looked at the branch

	merge, _ := promoteMerge(p, 2)
	waitFor(t, func() bool { return c.Status().Desired[gatedModel].Commit == merge })
	pushed := promoteDirect(p, 1)
	waitFor(t, func() bool {
		data, ok := remoteFile(t, bare, journal.Path(gatedModel))
		return ok && strings.Contains(data, pushed)
	})
	if d := c.Status().Desired[gatedModel]; d.Version != 2 {
		t.Errorf("Desired = %+v after a refused v1, want v2 still", d)
	}
}

// statusErrors is the controller's status errors, one a line.
func statusErrors(c *Controller) string {
	var b strings.Builder
	for _, e := range c.Status().Errors {
		b.WriteString(e.Message + "\n")
	}
	return b.String()
}

// Hole: a direct push edits a promoted version's serve command (or its
// digest). The edit is refused and recorded, and what deploys — now and
// after a restart, with its state or a fresh one — is the version as
// registered.
func TestController_EditedProductionVersionIsNeverDeployed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, edit, field string
	}{
		{"serve command", "flavor: command\nserve: \"sh -c 'id > pwned; exec sleep 1000' {model} {port}\"\n", "flavor, serve"},
		{"digest", "", "artifact"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bare, p := gatedRemote(t, "deploy: {require: merge-commit}\n")
			state := t.TempDir()
			var h hook
			c := newController(t, bare, func(cfg *Config) { cfg.StateDir = state; cfg.OnDeploy = h.onDeploy })
			ctx := context.Background()
			merge, _ := promoteMerge(p, 1)
			if err := c.ReconcileDeploys(ctx); err != nil {
				t.Fatal(err)
			}
			pullKeeping(p)
			v := gatedVersion(p, 1, registry.StageProduction)
			if tc.edit != "" {
				v = strings.Replace(v, "flavor: xgboost\n", tc.edit, 1)
			} else {
				v = strings.Replace(v, strings.Repeat("1", 64), strings.Repeat("9", 64), 1)
			}
			p.Write(registry.VersionPath(gatedModel, 1), v)
			edit := p.Commit("edit v1")
			p.Push()
			if err := c.ReconcileDeploys(ctx); err != nil {
				t.Fatal(err)
			}
			ev := remoteRecord(t, bare).History
			last := ev[len(ev)-1]
			if last.Kind != journal.KindRefusal || last.Commit != edit || !strings.Contains(last.Reason, "edited "+tc.field+" of churn-xgb v1 after mlcd registered it") {
				t.Errorf("last event = %+v, want the edit refused", last)
			}
			for _, fresh := range []bool{false, true} {
				dir := state
				if fresh {
					dir = t.TempDir()
				}
				var deployed []*registry.Version
				c2 := newController(t, bare, func(cfg *Config) {
					cfg.StateDir = dir
					cfg.OnDeploy = func(_ context.Context, v *registry.Version, _ string) { deployed = append(deployed, v) }
				})
				d, err := deploy.New(deploy.Config{Store: storeAt(t), Dir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				c2.RestoreDeployments(ctx, d)
				if len(deployed) == 0 {
					t.Fatalf("fresh=%v: deployed nothing, want v1", fresh)
				}
				for _, got := range deployed {
					if got.Version != 1 || got.Flavor != pipeline.FlavorXGBoost || got.Serve != "" || got.Artifact.SHA256 != strings.Repeat("1", 64) {
						t.Errorf("fresh=%v: deployed %+v, want v1 as registered", fresh, got)
					}
				}
				if d := c2.Status().Desired[gatedModel]; d.Version != 1 || d.Commit != merge {
					t.Errorf("fresh=%v: desired %+v, want v1 from %s", fresh, d, merge[:7])
				}
			}
		})
	}
}

// Hole: a version whose file was edited before its promotion never
// deploys, even through a merge.
func TestController_PromotionOfAnEditedVersionIsRefused(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "deploy: {require: merge-commit}\n")
	c := newController(t, bare, nil)
	ctx := context.Background()
	v := strings.Replace(gatedVersion(p, 2, registry.StageProduction), "flavor: xgboost\n", "flavor: command\nserve: \"sh -c 'id' {model} {port}\"\n", 1)
	p.Branch("promote")
	p.Write(registry.VersionPath(gatedModel, 2), v)
	p.Commit("promote v2")
	p.Switch("main")
	merge := p.Merge("promote", "Merge branch promote")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c.Status().Desired; len(d) != 0 {
		t.Errorf("desired = %+v, want nothing", d)
	}
	ev := remoteRecord(t, bare).History
	var reasons []string
	for _, e := range ev {
		if e.Kind == journal.KindRefusal && e.Commit == merge {
			reasons = append(reasons, e.Reason)
		}
	}
	if len(reasons) != 2 || !strings.Contains(reasons[0], "edited flavor, serve of churn-xgb v2") || !strings.Contains(reasons[1], "may not deploy: churn-xgb v2 was edited after commit") {
		t.Errorf("refusals of the merge = %q, want the edit and the seal's refusal of the promotion", reasons)
	}
}

// Hole: a registration pushed by a person (a version file without the run
// record mlcd writes with it) never deploys.
func TestController_ForgedRegistrationIsRefused(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "deploy: {require: none}\n")
	c := newController(t, bare, nil)
	ctx := context.Background()
	p.Write(registry.VersionPath(gatedModel, 3), gatedVersion(p, 3, registry.StageProduction))
	forged := p.Commit("v3, trust me")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c.Status().Desired; len(d) != 0 {
		t.Errorf("desired = %+v, want nothing", d)
	}
	ev := remoteRecord(t, bare).History
	if last := ev[len(ev)-1]; last.Commit != forged || !strings.Contains(last.Reason, "without its run record") {
		t.Errorf("last event = %+v, want the missing run record named", last)
	}
}

// Hole: with a fresh state, edits of deployments/ decide nothing: an
// edited current, or a removed journal, leaves the gate's verdicts to
// decide, and the removed history comes back.
func TestController_DeploymentJournalDecidesNothing(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "deploy: {require: merge-commit}\n")
	ctx := context.Background()
	c := newController(t, bare, nil)
	merge, _ := promoteMerge(p, 1)
	pushed := promoteDirect(p, 2) // refused
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	pullKeeping(p)
	text, _ := remoteFile(t, bare, journal.Path(gatedModel))
	p.Write(journal.Path(gatedModel), text+"\ncurrent: {version: 2, digest: "+strings.Repeat("2", 64)+", commit: "+pushed+", endpoint: 127.0.0.1:1234, since: 2026-11-26T23:34:01Z, status: serving}\n")
	p.Commit("serve v2")
	p.Push()
	c2 := newController(t, bare, nil) // a fresh state, as a CI job has
	if err := c2.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c2.Status().Desired[gatedModel]; d.Version != 1 || d.Commit != merge {
		t.Errorf("fresh state after an edited journal: desired %+v, want v1", c2.Status().Desired)
	}

	pullKeeping(p)
	p.Remove(journal.Path(gatedModel))
	p.Commit("remove the journal")
	p.Push()
	var deployed []string
	c3 := newController(t, bare, func(cfg *Config) {
		cfg.OnDeploy = func(_ context.Context, v *registry.Version, _ string) {
			deployed = append(deployed, fmt.Sprint(v.Version))
		}
	})
	d, err := deploy.New(deploy.Config{Store: storeAt(t), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	c3.RestoreDeployments(ctx, d)
	for _, v := range deployed {
		if v != "1" {
			t.Errorf("after the journal was removed, deployed %v, want v1 only", deployed)
		}
	}
	// Re-recording the refusal brought back the history mlcd wrote.
	ev := remoteRecord(t, bare).History
	if len(ev) != 1 || ev[0].Commit != pushed {
		t.Errorf("history after the removal = %+v, want the earlier refusal kept", ev)
	}
	if !strings.Contains(statusErrors(c3), "was removed by commit") {
		t.Errorf("status errors = %q, want the removal reported", statusErrors(c3))
	}
}

// Hole: a refused direct promotion, then in the same pass a commit back to
// None and a merge to Production: every commit is judged, so the merge
// deploys.
func TestController_RePromotionAfterARefusalIsJudged(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "deploy: {require: merge-commit}\n")
	c := newController(t, bare, nil)
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	pushed := promoteDirect(p, 2)
	p.Write(registry.VersionPath(gatedModel, 2), gatedVersion(p, 2, registry.StageNone))
	p.Commit("back to None")
	merge, _ := promoteMerge(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c.Status().Desired[gatedModel]; d.Version != 2 || d.Commit != merge {
		t.Errorf("desired = %+v, want v2 from the merge %s", c.Status().Desired, merge[:7])
	}
	ev := remoteRecord(t, bare).History
	if len(ev) != 1 || ev[0].Commit != pushed {
		t.Errorf("history = %+v, want the direct push refused", ev)
	}
}

func storeAt(t *testing.T) *store.Local {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// On a remote that is not on GitHub, merged-pr and approved-pr can never be
// checked: merge-commit, the strictest gate git can check, applies, so a
// merged promotion deploys and a move to merge-commit loosens nothing.
func TestController_GitHubGateOnAPlainRemoteIsMergeCommit(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "deploy: {require: merged-pr}\n")
	c := newController(t, bare, nil)
	ctx := context.Background()
	pushed := promoteDirect(p, 1)
	merge, _ := promoteMerge(p, 2)
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if d := c.Status().Desired[gatedModel]; d.Version != 2 || d.Commit != merge {
		t.Errorf("desired = %+v, want v2 from the merge %s", c.Status().Desired, merge[:7])
	}
	ev := remoteRecord(t, bare).History
	if len(ev) != 1 || ev[0].Commit != pushed || !strings.Contains(ev[0].Reason, "deploy.require merged-pr needs GitHub's API and the remote is not on GitHub, so merge-commit applies") {
		t.Errorf("history = %+v, want the direct push refused under merge-commit, saying why", ev)
	}
	pullKeeping(p)
	p.Write("mlcd.yaml", demoPipeline+gatedTask+"deploy: {require: merge-commit}\n")
	p.Commit("say merge-commit")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if s := statusErrors(c); strings.Contains(s, "loosens") {
		t.Errorf("status errors = %q: merged-pr to merge-commit on a plain remote loosens nothing", s)
	}
}

// deploy.python names the program that serves sklearn models: a direct
// push changing it does not take effect, a merge that brings it does, and
// a fresh state reaches the same interpreter by judging the branch.
func TestController_PythonChangesOnlyThroughTheGate(t *testing.T) {
	t.Parallel()
	bare, p := gatedRemote(t, "deploy: {require: merge-commit, python: /usr/bin/python3}\n")
	c := newController(t, bare, nil)
	ctx := context.Background()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	pullKeeping(p)
	p.Write("mlcd.yaml", demoPipeline+gatedTask+"deploy: {require: merge-commit, python: ./pwn.sh}\n")
	p.Commit("another interpreter")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.pythonInForce(ctx, remoteHead(t, bare)); got != "/usr/bin/python3" {
		t.Errorf("after a direct push the interpreter in force is %q, want /usr/bin/python3", got)
	}

	p.Branch("python")
	p.Write("mlcd.yaml", demoPipeline+gatedTask+"deploy: {require: merge-commit, python: python3.11}\n")
	p.Commit("python 3.11")
	p.Switch("main")
	p.Merge("python", "Merge pull request from python")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	head := remoteHead(t, bare)
	if got := c.pythonInForce(ctx, head); got != "python3.11" {
		t.Errorf("after a merge the interpreter in force is %q, want python3.11", got)
	}
	if got := newController(t, bare, nil).pythonInForce(ctx, head); got != "python3.11" {
		t.Errorf("a fresh state's interpreter in force is %q, want python3.11", got)
	}
}

// A ledger kept by an mlcd that did not judge the serving programs gets
// those of the last commit it judged: what it served with.
func TestController_OldLedgerKeepsItsServingPrograms(t *testing.T) {
	t.Parallel()
	bare, _ := gatedRemote(t, "deploy: {require: merge-commit, python: /opt/py/bin/python}\n")
	c := newController(t, bare, nil)
	head := remoteHead(t, bare)
	old := &deployState{Commit: head, Ledger: &gate.Ledger{Policy: gate.Policy{Require: gate.RequireMergeCommit}, Commit: head, Founded: true}}
	if err := c.state.saveDeploys(old); err != nil {
		t.Fatal(err)
	}
	if got := c.pythonInForce(context.Background(), head); got != "/opt/py/bin/python" {
		t.Errorf("interpreter in force = %q, want the one the old mlcd served with", got)
	}
}
