package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/fakegithub"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
	"github.com/mlcd-dev/mlcd/internal/regtest"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// The trust suite: each test plays someone with push access to main but
// no reviewer, against real `mlcd deploy` processes on a real bare
// repository, and checks that only what a reviewed merge promoted serves
// (docs/security.md).

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// mlcdBin builds mlcd once for the package; MLCD_E2E_BIN names another
// binary to play against (an older release, to see the holes open).
func mlcdBin(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("MLCD_E2E_BIN"); bin != "" {
		return bin
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mlcd-e2e-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "mlcd")
		if out, err := exec.Command("go", "build", "-o", binPath, "../cmd/mlcd").CombinedOutput(); err != nil {
			binErr = &buildError{string(out)}
		}
	})
	if binErr != nil {
		t.Fatalf("build mlcd: %v", binErr)
	}
	return binPath
}

type buildError struct{ out string }

func (e *buildError) Error() string { return e.out }

// world is a repository with model clf: v1 promoted through a --no-ff
// merge under deploy.require merge-commit, v2 registered at None; both
// real XGBoost models in a real store.
type world struct {
	bare, store, trained string
	p                    *gittest.Clone
	v                    func(n int) regtest.Version
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{bare: gittest.NewBare(t), store: t.TempDir()}
	st, err := store.Open(w.store)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.PutFile(context.Background(), "../deploy/xgboost/testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	w.v = func(n int) regtest.Version {
		return regtest.Version{Model: "clf", N: n, SHA256: obj.SHA256, Size: obj.Size, TrainedOn: w.trained}
	}
	w.p = gittest.Person(t, w.bare)
	w.p.Write("mlcd.yaml", "version: 1\npipeline: demo\ntasks:\n  train: {run: \"true\", model: "+w.v(1).Spec()+"}\ndeploy: {require: merge-commit}\n")
	w.trained = w.p.Commit("the pipeline")
	regtest.Write(w.p, w.v(1))
	regtest.Write(w.p, w.v(2))
	w.p.Commit("mlcd: run demo, register clf v1 and v2")
	w.p.Push()
	w.merge(t, 1)
	return w
}

// merge promotes version n through a branch merged with --no-ff.
func (w *world) merge(t *testing.T, n int) string {
	t.Helper()
	w.p.Git("pull", "--quiet", "--rebase", "--autostash", "origin", "main")
	w.p.Branch("promote")
	w.p.Write(registry.VersionPath("clf", n), w.v(n).VersionFile(registry.StageProduction))
	w.p.Commit("promote")
	w.p.Switch("main")
	m := w.p.Merge("promote", "Merge branch promote")
	w.p.Git("branch", "-D", "promote")
	w.p.Push()
	return m
}

// push commits the files as a direct push to main.
func (w *world) push(t *testing.T, msg string, files map[string]string) string {
	t.Helper()
	w.p.Git("pull", "--quiet", "--rebase", "--autostash", "origin", "main")
	for name, content := range files {
		if content == "" {
			w.p.Remove(name)
			continue
		}
		w.p.Write(name, content)
	}
	w.p.Commit(msg)
	if err := w.p.PushRetry(10); err != nil { // the bot may push between our pull and push
		t.Fatal(err)
	}
	return w.p.Head()
}

func (w *world) remoteFile(name string) (string, bool) {
	out, err := gittest.TryGit(w.bare, nil, "show", "main:"+name)
	return out, err == nil
}

func (w *world) journal(t *testing.T) *journal.Record {
	t.Helper()
	data, ok := w.remoteFile(journal.Path("clf"))
	if !ok {
		t.Fatalf("no %s on the remote", journal.Path("clf"))
	}
	rec, err := journal.Parse(journal.Path("clf"), []byte(data+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// deployer is a running `mlcd deploy`.
type deployer struct {
	proc *proctest.Process
	addr string // its model endpoint, host:port
	out  *proctest.Output
}

// startDeploy runs `mlcd deploy` on state and waits for its endpoint. The
// endpoint listens on port 0, and mlcd says which port it got: a port
// picked here and released could be taken by another test before mlcd
// listened on it.
func (w *world) startDeploy(t *testing.T, state string) *deployer {
	t.Helper()
	d := &deployer{out: &proctest.Output{}}
	cmd := exec.Command(mlcdBin(t), "deploy", "--repo", w.bare, "--state", state, "--listen", "127.0.0.1:0", "--interval", "200ms")
	cmd.Env = append(append(os.Environ(), gittest.Env()...), "MLCD_STORE="+w.store)
	cmd.Stdout, cmd.Stderr = d.out, d.out
	d.proc = proctest.Start(t, cmd)
	d.addr = d.endpoint(t)
	return d
}

// endpoint waits up to 30 s for mlcd's line naming its model endpoint and
// returns the address.
func (d *deployer) endpoint(t *testing.T) string {
	t.Helper()
	const said = "mlcd: model endpoint on http://"
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, line := range strings.Split(d.out.String(), "\n") {
			if addr, ok := strings.CutPrefix(line, said); ok {
				return addr
			}
		}
		select {
		case <-d.proc.Done():
			t.Fatalf("mlcd deploy exited before it listened: %v\n%s", d.proc.Wait(), d.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("mlcd deploy did not name its model endpoint within 30s:\n%s", d.out.String())
		}
	}
}

// kill kills mlcd with SIGKILL, as a crash does, and waits for what it
// left running: the git-receive-pack of a push to the local remote goes
// on without it, writing into the bare repository and holding its
// branch's lock until it is done.
func (d *deployer) kill() { _ = d.proc.Kill() }

// version is the model version the endpoint's /health names.
func (d *deployer) version() string {
	resp, err := http.Get("http://" + d.addr + "/health")
	if err != nil {
		return "down"
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.Status
	}
	var h struct {
		ModelVersion string `json:"model_version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return err.Error()
	}
	return h.ModelVersion
}

// waitFor waits up to 30 s for cond, then fails with the deployer's log.
func (d *deployer) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30s (serving %q); mlcd said:\n%s", what, d.version(), d.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle waits until the deployer has judged the remote's tip: the
// journal holds an event for commit.
func (d *deployer) settle(t *testing.T, w *world, commit string) {
	t.Helper()
	d.waitFor(t, "an entry for "+commit[:7]+" in the journal", func() bool {
		data, _ := w.remoteFile(journal.Path("clf"))
		return strings.Contains(data, commit)
	})
}

func TestTrust_DirectPushEditingTheProductionVersionNeverRuns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, from, to string }{
		{"serve command", "flavor: xgboost\n", "flavor: command\nserve: \"sh -c 'id > PWNED; exec sleep 1000' {model} {port}\"\n"},
		{"digest", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			state := filepath.Join(t.TempDir(), "state")
			d := w.startDeploy(t, state)
			d.waitFor(t, "v1 serving", func() bool { return d.version() == "1" })

			pwned := filepath.Join(t.TempDir(), "pwned")
			v1 := w.v(1).VersionFile(registry.StageProduction)
			if tc.from != "" {
				v1 = strings.Replace(v1, tc.from, strings.Replace(tc.to, "PWNED", pwned, 1), 1)
			} else {
				v1 = strings.Replace(v1, w.v(1).SHA256, strings.Repeat("f", 64), 1)
			}
			edit := w.push(t, "tweak v1", map[string]string{registry.VersionPath("clf", 1): v1})
			d.settle(t, w, edit)

			for _, fresh := range []bool{false, true} {
				d.kill()
				dir := state
				if fresh {
					dir = filepath.Join(t.TempDir(), "fresh")
				}
				d = w.startDeploy(t, dir)
				d.waitFor(t, "v1 serving again", func() bool { return d.version() == "1" })
				time.Sleep(300 * time.Millisecond) // a pass after the start
				if _, err := os.Stat(pwned); err == nil {
					t.Fatalf("fresh=%v: the edited serve command ran", fresh)
				}
				if rec := w.journal(t); rec.Current == nil || rec.Current.Digest != w.v(1).SHA256 {
					t.Errorf("fresh=%v: journal current = %+v, want v1 as registered", fresh, rec.Current)
				}
			}
			var refusal *journal.Event
			for i, ev := range w.journal(t).History {
				if ev.Kind == journal.KindRefusal && ev.Commit == edit {
					refusal = &w.journal(t).History[i]
				}
			}
			if refusal == nil || !strings.Contains(refusal.Reason, "after mlcd registered it") {
				t.Errorf("no refusal of the edit %s in the journal: %+v", edit[:7], w.journal(t).History)
			}
		})
	}
}

func TestTrust_FreshStateDoesNotTrustTheJournal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	v2 := w.push(t, "v2 to Production", map[string]string{registry.VersionPath("clf", 2): w.v(2).VersionFile(registry.StageProduction)})

	// The GitHub Actions deploy job: a fresh state every time.
	once := exec.Command(mlcdBin(t), "deploy", "--once", "--repo", w.bare, "--state", filepath.Join(t.TempDir(), "s"))
	once.Env = append(append(os.Environ(), gittest.Env()...), "MLCD_STORE="+w.store)
	out, err := once.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "clf v1 serving") {
		t.Fatalf("mlcd deploy --once: %v, want clf v1 serving:\n%s", err, out)
	}
	if rec := w.journal(t); rec.Current == nil || rec.Current.Version != 1 {
		t.Fatalf("journal current = %+v, want v1", rec.Current)
	}

	// An edited current, then a removed journal: neither serves v2.
	current, _ := w.remoteFile(journal.Path("clf"))
	edited := strings.Replace(current, "current:\n  version: 1", "current:\n  version: 2", 1)
	w.push(t, "serve v2", map[string]string{journal.Path("clf"): edited + "\n"})
	d := w.startDeploy(t, filepath.Join(t.TempDir(), "s2"))
	d.waitFor(t, "v1 serving", func() bool { return d.version() == "1" })
	// The deployer writes the edited journal over; let its push land
	// before killing it, or it may land under the next push.
	d.waitFor(t, "the edited journal written over", func() bool {
		data, _ := w.remoteFile(journal.Path("clf"))
		return strings.Contains(data, "current:\n  version: 1")
	})
	d.kill()
	w.push(t, "no journal", map[string]string{journal.Path("clf"): ""})
	d = w.startDeploy(t, filepath.Join(t.TempDir(), "s3"))
	d.waitFor(t, "v1 serving", func() bool { return d.version() == "1" })
	d.waitFor(t, "the journal back, with its history", func() bool {
		data, ok := w.remoteFile(journal.Path("clf"))
		return ok && strings.Contains(data, v2)
	})
}

func TestTrust_LooseningTheGateAndPromotingInOnePushIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	state := filepath.Join(t.TempDir(), "state")
	d := w.startDeploy(t, state)
	d.waitFor(t, "v1 serving", func() bool { return d.version() == "1" })
	d.kill()
	// Two commits, one push, while no controller runs.
	w.p.Git("pull", "--quiet", "--rebase", "origin", "main")
	yaml, _ := w.remoteFile("mlcd.yaml")
	w.p.Write("mlcd.yaml", strings.Replace(yaml, "require: merge-commit", "require: none", 1)+"\n")
	w.p.Commit("deploy.require none")
	w.p.Write(registry.VersionPath("clf", 2), w.v(2).VersionFile(registry.StageProduction))
	w.p.Commit("v2 to Production")
	// The killed deployer's last push may still land: its go-git runs
	// git-receive-pack for a file remote, a child that outlives it.
	if err := w.p.PushRetry(10); err != nil {
		t.Fatal(err)
	}
	promo := w.p.Head()
	for _, state := range []string{state, filepath.Join(t.TempDir(), "fresh")} {
		d = w.startDeploy(t, state)
		d.waitFor(t, "v1 serving", func() bool { return d.version() == "1" })
		d.settle(t, w, promo)
		time.Sleep(500 * time.Millisecond) // passes after the refusal
		if v := d.version(); v != "1" {
			t.Errorf("serving %q after loosening and promoting in one push, want 1", v)
		}
		d.kill()
	}
	for _, ev := range w.journal(t).History {
		if ev.Commit == promo && (ev.Kind != journal.KindRefusal || !strings.Contains(ev.Reason, "deploy.require is merge-commit")) {
			t.Errorf("event of %s = %+v, want a refusal under merge-commit", promo[:7], ev)
		}
	}
}

func TestTrust_RePromotionAfterARefusalIsJudged(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	state := filepath.Join(t.TempDir(), "state")
	d := w.startDeploy(t, state)
	d.waitFor(t, "v1 serving", func() bool { return d.version() == "1" })
	refused := w.push(t, "v2 to Production", map[string]string{registry.VersionPath("clf", 2): w.v(2).VersionFile(registry.StageProduction)})
	d.settle(t, w, refused)
	d.kill() // the next two commits land in one poll
	w.push(t, "v2 back to None", map[string]string{registry.VersionPath("clf", 2): w.v(2).VersionFile(registry.StageNone)})
	w.merge(t, 2)
	d = w.startDeploy(t, state)
	d.waitFor(t, "v2 serving", func() bool { return d.version() == "2" })
}

// deployOnce runs `mlcd deploy --once` on a fresh state with env.
func (w *world) deployOnce(t *testing.T, env ...string) string {
	t.Helper()
	cmd := exec.Command(mlcdBin(t), "deploy", "--once", "--repo", w.bare, "--state", filepath.Join(t.TempDir(), "s"))
	cmd.Env = append(append(append(os.Environ(), gittest.Env()...), "MLCD_STORE="+w.store), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mlcd deploy --once: %v\n%s", err, out)
	}
	return string(out)
}

func TestTrust_ApprovalOfAnEarlierHeadDoesNotCount(t *testing.T) {
	t.Parallel()
	gh := fakegithub.Start(t, fakegithub.Options{})
	env := []string{"GITHUB_TOKEN=t0ken", "GITHUB_API_URL=" + gh.URL(), "GITHUB_REPOSITORY=" + gh.Owner() + "/" + gh.Repo()}
	w := newWorld(t) // v1 went to Production under merge-commit
	w.push(t, "the gate asks GitHub now", map[string]string{"mlcd.yaml": strings.Replace(mustRemote(t, w, "mlcd.yaml"), "require: merge-commit", "require: approved-pr", 1) + "\n"})

	// A pull request approved by bob, then pushed to again, then merged.
	pr := func(n int, approveHead bool) string {
		w.p.Git("pull", "--quiet", "--rebase", "origin", "main")
		branch := fmt.Sprintf("promote-v%d-%v", n, approveHead)
		w.p.Branch(branch)
		w.p.Write(registry.VersionPath("clf", n), w.v(n).VersionFile(registry.StageProduction))
		first := w.p.Commit("promote")
		w.p.Git("push", "--quiet", "origin", branch)
		p := gh.AddPR(fakegithub.PR{Title: "Promote", HeadRef: branch, HeadSHA: first, BaseRef: "main", Author: "alice"})
		if err := gh.AddReviewOn(p.Number, "bob", "APPROVED", first); err != nil {
			t.Fatal(err)
		}
		v := strings.Replace(w.v(n).VersionFile(registry.StageProduction), "description: \"\"", "description: \"pushed after the approval\"", 1)
		w.p.Write(registry.VersionPath("clf", n), v)
		head := w.p.Commit("after the approval")
		if err := gh.PushPR(p.Number, head); err != nil {
			t.Fatal(err)
		}
		if approveHead {
			if err := gh.AddReviewOn(p.Number, "bob", "APPROVED", head); err != nil {
				t.Fatal(err)
			}
		}
		gh.AddStatus(head, "mlcd/check", "success")
		w.p.Switch("main")
		merge := w.p.Merge(branch, "Merge pull request #"+fmt.Sprint(p.Number))
		w.p.Push()
		if err := gh.MergePR(p.Number, merge); err != nil {
			t.Fatal(err)
		}
		return merge
	}
	stale := pr(2, false)
	if out := w.deployOnce(t, env...); !strings.Contains(out, "clf v1 serving") {
		t.Fatalf("after a merge approved only before its last push: %s, want v1 still", out)
	}
	var reason string
	for _, ev := range w.journal(t).History {
		if ev.Commit == stale {
			reason = ev.Reason
		}
	}
	if !strings.Contains(reason, "approval was for commit") {
		t.Errorf("refusal of %s = %q, want the stale approval named", stale[:7], reason)
	}
	// Set back to None and promoted again, approved on its head: it serves.
	w.push(t, "v2 back to None", map[string]string{registry.VersionPath("clf", 2): w.v(2).VersionFile(registry.StageNone)})
	pr(2, true)
	if out := w.deployOnce(t, env...); !strings.Contains(out, "clf v2 serving") {
		t.Errorf("after a merge approved on its head: %s, want v2 serving", out)
	}
}

func mustRemote(t *testing.T, w *world, name string) string {
	t.Helper()
	data, ok := w.remoteFile(name)
	if !ok {
		t.Fatalf("no %s on the remote", name)
	}
	return data
}

func TestTrust_CheckRefusesJournalAndPolicyEdits(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.p.Git("pull", "--quiet", "--rebase", "origin", "main")
	for _, tc := range []struct{ name, file, content, want string }{
		{"run record", "runs/demo/2026-11/" + w.v(1).Run().ID + ".json", "{}\n", "runs/demo/2026-11/"},
		{"deployment journal", journal.Path("clf"), "schema: 1\nmodel: clf\nhistory: []\n", journal.Path("clf")},
		{"loosened gate", "mlcd.yaml", strings.Replace(mustRemote(t, w, "mlcd.yaml"), "require: merge-commit", "require: none", 1) + "\n", "mlcd.yaml:5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.p.Git("checkout", "--quiet", "-B", "edit-"+strings.ReplaceAll(tc.name, " ", "-"), "origin/main")
			w.p.Write(tc.file, tc.content)
			w.p.Commit("edit " + tc.name)
			cmd := exec.Command(mlcdBin(t), "check", "--repo", w.p.Dir, "--base", "origin/main")
			cmd.Env = append(os.Environ(), gittest.Env()...)
			out, err := cmd.CombinedOutput()
			if cmd.ProcessState.ExitCode() != 3 || !strings.Contains(string(out), tc.want) {
				t.Errorf("mlcd check: %v, want exit 3 naming %s:\n%s", err, tc.want, out)
			}
		})
	}
}
