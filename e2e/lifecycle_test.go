package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mlcd-dev/mlcd/internal/browsertest"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// lifecycle is the demo's world once scripts/demo.sh has run with
// DEMO_KEEP=1: the remote, the store, the report and a controller still
// serving on endpoint.
type lifecycle struct {
	root, dir, remote, endpoint, bin string
	// pgid is the process group of demo.sh, which the controller it
	// leaves running is in.
	pgid int
	// served is the model the demo promoted (the better f1), other the one
	// it did not.
	served, other string
	task          map[string]string // model -> its training task
}

// TestLifecycle runs `make demo`'s script as a newcomer does, from a
// `git clone` of this repository (which has an origin, and the demo's remote
// inside it), on a small database, and then checks what a newcomer is
// promised: records and versions in the remote, a report that opens in
// Chromium, served predictions equal to the trainer's, a second run that
// re-did only what changed, a direct push to Production refused, and a
// broken version rolled back while the served one keeps answering.
func TestLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole lifecycle with real scikit-learn and XGBoost")
	}
	requirePython(t)
	lc := startDemo(t)

	runs := lc.runs(t)
	if len(runs) < 2 {
		t.Fatalf("%d run records on the remote, want the two runs of the demo", len(runs))
	}
	for _, r := range runs {
		if r.Status != pipeline.StatusSuccess {
			t.Errorf("run %s: %s (%s)", r.ID, r.Status, r.Error)
		}
	}
	lc.findServed(t)
	for _, v := range []string{"churn-rf/v1", "churn-xgb/v1", lc.served + "/v2"} {
		if !lc.remoteHas("models/" + v + ".yaml") {
			t.Errorf("models/%s.yaml is not on the remote", v)
		}
	}
	if lc.remoteHas("models/" + lc.other + "/v2.yaml") {
		t.Errorf("%s v2 was registered although its trainer did not change", lc.other)
	}
	// The runs by what they registered, not by their place: the schedule
	// of examples/churn (every 30 minutes) may add runs at any time.
	first := lc.runOf(t, runs, lc.served, 1)
	second := lc.runOf(t, runs, lc.served, 2)
	t.Run("report opens in Chromium", lc.checkReport)
	t.Run("served predictions equal the trainer's", func(t *testing.T) { lc.checkPredictions(t, first) })
	t.Run("second run redid only what changed", func(t *testing.T) { lc.checkSecondRun(t, second) })
	t.Run("unchanged data retrains nothing", lc.checkUnchangedRun)
	t.Run("direct push to Production is refused", lc.checkDirectPushRefused)
	t.Run("broken version is rolled back", func(t *testing.T) { lc.checkRollback(t, first) })
}

// runOf is the run that registered version n of model (the run: of its
// version file on the remote).
func (lc *lifecycle) runOf(t *testing.T, runs []*pipeline.Run, model string, n int) *pipeline.Run {
	t.Helper()
	id := field(lc.git(t, "show", fmt.Sprintf("main:models/%s/v%d.yaml", model, n)), "run")
	for _, r := range runs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("%s v%d names run %q, which has no record on the remote", model, n, id)
	return nil
}

func requirePython(t *testing.T) {
	t.Helper()
	err := exec.Command("/usr/bin/python3", "-c", "import sklearn, xgboost, pandas, matplotlib, requests").Run()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("Debian's python3-sklearn, python3-xgboost, python3-pandas and python3-matplotlib are needed: %v", err)
	}
	t.Skipf("no Debian Python with scikit-learn and XGBoost: %v", err)
}

// startDemo clones this repository as a user does and runs the clone's
// scripts/demo.sh with its default demo folder, demo/ inside the clone. The
// clone gets the working tree's current scripts/ and examples/churn/ on top
// of the last commit, so uncommitted changes to them are what is tested.
func startDemo(t *testing.T) *lifecycle {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := proctest.BuildMlcd(t, filepath.Join(t.TempDir(), "mlcd"))
	clone := filepath.Join(t.TempDir(), "mlcd")
	gittest.Git(t, root, "clone", "-q", root, clone)
	if origin := gittest.Git(t, clone, "remote", "get-url", "origin"); origin == "" {
		t.Fatal("the clone has no origin")
	}
	overlay(t, root, clone, "scripts", "examples/churn")
	lc := &lifecycle{root: clone, dir: filepath.Join(clone, "demo"), bin: bin}
	lc.remote = filepath.Join(lc.dir, "remote.git")
	cmd := exec.Command("bash", filepath.Join("scripts", "demo.sh"))
	cmd.Dir = clone
	// Port 0 everywhere: mlcd says which ports it got (a port picked here
	// and released could be taken by another test before mlcd listened).
	cmd.Env = append(os.Environ(), "DEMO_ROWS=3000", "DEMO_KEEP=1", "MLCD_BIN="+bin, "MLCD_WEBHOOK_SECRET="+demoSecret,
		"DEMO_ENDPOINT=127.0.0.1:0", "DEMO_CONTROL_PORT=0", "PATH=/usr/bin:"+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the controller it leaves joins it
	t.Cleanup(func() { lc.stop(t) })
	err = cmd.Run()
	if cmd.Process != nil {
		lc.pgid = cmd.Process.Pid
	}
	if err != nil {
		t.Fatalf("scripts/demo.sh in a clone: %v\n%s", err, out.String())
	}
	t.Logf("demo:\n%s", out.String())
	lc.endpoint = lc.said(t, "mlcd: model endpoint on http://")
	for _, want := range []string{"test customers sent to", "cache hit", "open file://" + lc.dir + "/state/site/index.html"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	return lc
}

// overlay copies the tracked files under dirs from the working tree at src
// into the clone at dst.
func overlay(t *testing.T, src, dst string, dirs ...string) {
	t.Helper()
	files := gittest.Git(t, src, append([]string{"ls-files", "--"}, dirs...)...)
	for _, name := range strings.Fields(files) {
		data, err := os.ReadFile(filepath.Join(src, name))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// stop stops the controller the demo left running, with SIGTERM and
// after 10 s SIGKILL, and waits for every process of the demo's group:
// none may write into the test's folders once it has ended.
func (lc *lifecycle) stop(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(lc.dir, "watch.pid"))
	if err != nil || lc.pgid == 0 {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || syscall.Kill(pid, 0) != nil {
		return
	}
	// The controller still runs, so the group's id is still the demo's.
	defer proctest.WaitGroup(t, lc.pgid)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

func (lc *lifecycle) git(t *testing.T, args ...string) string {
	t.Helper()
	return gittest.Git(t, lc.remote, args...)
}

// blob returns the bytes of a file on the remote as they are (git's
// helper trims output, which would cut a binary file).
func (lc *lifecycle) blob(t *testing.T, rev string) []byte {
	t.Helper()
	cmd := exec.Command("git", "cat-file", "blob", rev)
	cmd.Dir, cmd.Env = lc.remote, gittest.Env()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git cat-file blob %s: %v", rev, err)
	}
	return out
}

func (lc *lifecycle) remoteHas(path string) bool {
	_, err := gittest.TryGit(lc.remote, nil, "cat-file", "-e", "main:"+path)
	return err == nil
}

// runs reads the run records on the remote, oldest first.
func (lc *lifecycle) runs(t *testing.T) []*pipeline.Run {
	t.Helper()
	var runs []*pipeline.Run
	for _, name := range strings.Fields(lc.git(t, "ls-tree", "-r", "--name-only", "main", "runs/churn/")) {
		if !strings.HasSuffix(name, ".json") {
			continue // history files, read with their records
		}
		r, err := pipeline.DecodeRun([]byte(lc.git(t, "show", "main:"+name)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.History != nil {
			hist := path.Join(path.Dir(name), r.History.File)
			files := fstest.MapFS{hist: {Data: lc.blob(t, "main:"+hist)}}
			if err := pipeline.LoadHistory(files, name, r); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		runs = append(runs, r)
	}
	return runs
}

// object reads an output of a task of r from the artifact store.
func (lc *lifecycle) object(t *testing.T, r *pipeline.Run, task, path string) []byte {
	t.Helper()
	tr := r.Task(task)
	if tr == nil || tr.Output(path) == nil {
		t.Fatalf("run %s has no output %s of %s", r.ID, path, task)
	}
	sha := tr.Output(path).SHA256
	data, err := os.ReadFile(filepath.Join(lc.dir, "store", "sha256", sha[:2], sha[2:]))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func (lc *lifecycle) checkReport(t *testing.T) {
	site := filepath.Join(lc.dir, "state", "site")
	b := browsertest.New(t)
	pages := b.Crawl(t, site, func(rel string) { b.Check(t, rel) })
	if pages < 8 {
		t.Errorf("the report has %d pages, want the overview, runs, run pages, models and comparisons", pages)
	}
	for _, page := range []string{"index.html", "models/churn-xgb/index.html"} {
		if _, err := os.Stat(filepath.Join(site, page)); err != nil {
			t.Errorf("report page %s: %v", page, err)
		}
	}
	// The served model's page tells who promoted it, from git's history.
	model := readFile(t, filepath.Join(site, "models", lc.served, "index.html"))
	if strings.Contains(model, "No stage history") || !strings.Contains(model, "Dana Scientist") {
		t.Errorf("the page of %s shows no stage history with the reviewer's merge", lc.served)
	}
}

// predict posts a CSV table to the endpoint and returns the predictions.
func (lc *lifecycle) predict(t *testing.T, table []byte) []float64 {
	t.Helper()
	resp, err := http.Post("http://"+lc.endpoint+"/invocations", "text/csv", bytes.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Predictions []float64 `json:"predictions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /invocations: %d, %v", resp.StatusCode, err)
	}
	return body.Predictions
}

// findServed reads which model the demo promoted and serves.
func (lc *lifecycle) findServed(t *testing.T) {
	t.Helper()
	lc.task = map[string]string{"churn-rf": "train_rf", "churn-xgb": "train_xgb"}
	for _, m := range []string{"churn-rf", "churn-xgb"} {
		out, err := gittest.TryGit(lc.remote, nil, "show", "main:deployments/"+m+".yaml")
		if err == nil && strings.Contains(out, "current:\n  version: 1") {
			lc.served = m
		} else {
			lc.other = m
		}
	}
	if lc.served == "" || lc.other == "" {
		t.Fatalf("after the demo, want one of churn-rf and churn-xgb served (served %q, other %q)", lc.served, lc.other)
	}
	t.Logf("served: %s v1", lc.served)
}

// checkPredictions sends the first run's test rows (features' test.csv,
// label column included: unknown columns are ignored, as MLflow does) and
// compares with what the trainer's own predict gave for them (probabilities
// for XGBoost, labels for the random forest's scoring server).
func (lc *lifecycle) checkPredictions(t *testing.T, first *pipeline.Run) {
	got := lc.predict(t, lc.object(t, first, "features", "test.csv"))
	want := readColumn(t, lc.object(t, first, lc.task[lc.served], "predictions.csv"))
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d predictions, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6 {
			t.Fatalf("row %d: served %v, the trainer predicted %v", i, got[i], want[i])
		}
	}
}

func readColumn(t *testing.T, data []byte) []float64 {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[0], 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// checkSecondRun: Dana changed the served model's trainer, so the run that
// registered its version 2 ran only it again (and load_data, which has
// cache: false); features and the other trainer were cache hits.
func (lc *lifecycle) checkSecondRun(t *testing.T, second *pipeline.Run) {
	for _, name := range []string{"load_data", lc.task[lc.served]} {
		if tr := second.Task(name); tr == nil || tr.CacheHit || tr.Status != pipeline.StatusSuccess {
			t.Errorf("second run, task %s: %+v; want it run again", name, tr)
		}
	}
	for _, name := range []string{"features", lc.task[lc.other]} {
		if tr := second.Task(name); tr == nil || !tr.CacheHit {
			t.Errorf("second run, task %s: %+v; want a cache hit (nothing it depends on changed)", name, tr)
		}
	}
}

// checkUnchangedRun asks for one more run with no new data: load_data runs
// (cache: false) and gives the same snapshot, so nothing else runs and no
// version is registered.
func (lc *lifecycle) checkUnchangedRun(t *testing.T) {
	before := len(lc.runs(t))
	lc.postRun(t)
	waitFor(t, 180*time.Second, "the third run", func() bool { return len(lc.runs(t)) > before })
	runs := lc.runs(t)
	third := runs[len(runs)-1]
	if tr := third.Task("load_data"); tr == nil || tr.CacheHit {
		t.Errorf("load_data (cache: false) did not run: %+v", tr)
	}
	for _, name := range []string{"features", "train_rf", "train_xgb"} {
		if tr := third.Task(name); tr == nil || !tr.CacheHit {
			t.Errorf("task %s ran again on unchanged data", name)
		}
	}
	if lc.remoteHas("models/churn-xgb/v3.yaml") || lc.remoteHas("models/churn-rf/v3.yaml") {
		t.Errorf("a run on unchanged data registered a new version")
	}
}

// demoSecret is the demo controller's webhook secret, which POST /runs
// needs too.
const demoSecret = "e2e-webhook-secret"

// said is what follows prefix on the first line of the controller's log
// that starts with it: where mlcd says it listens.
func (lc *lifecycle) said(t *testing.T, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(readFile(t, filepath.Join(lc.dir, "watch.log")), "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			return rest
		}
	}
	t.Fatalf("the controller's log has no line starting %q", prefix)
	return ""
}

func (lc *lifecycle) postRun(t *testing.T) {
	t.Helper()
	addr := ""
	for _, line := range strings.Split(readFile(t, filepath.Join(lc.dir, "watch.log")), "\n") {
		if !strings.Contains(line, " msg=listening ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if a, ok := strings.CutPrefix(f, "addr="); ok {
				addr = a
			}
		}
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/runs", nil)
	req.Header.Set("Authorization", "Bearer "+demoSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /runs: %d", resp.StatusCode)
	}
}

// checkDirectPushRefused: a person sets the other model's v1 to Production
// by a direct push. The gate (merge-commit) refuses it, the record says why,
// and nothing of it is served.
func (lc *lifecycle) checkDirectPushRefused(t *testing.T) {
	p := gittest.Person(t, lc.remote)
	path := "models/" + lc.other + "/v1.yaml"
	p.Write(path, strings.Replace(readFile(t, filepath.Join(p.Dir, path)), "stage: None", "stage: Production", 1))
	p.Commit("Serve " + lc.other + " too (no review)")
	p.PushPulling() // the controller may push a record between the clone and the push
	record := "main:deployments/" + lc.other + ".yaml"
	waitFor(t, 60*time.Second, "the refusal in "+record, func() bool {
		out, err := gittest.TryGit(lc.remote, nil, "show", record)
		return err == nil && strings.Contains(out, `kind: "refusal"`)
	})
	rec := lc.git(t, "show", record)
	if !strings.Contains(rec, "direct push") {
		t.Errorf("the refusal does not say why:\n%s", rec)
	}
	if strings.Contains(rec, "current:") {
		t.Errorf("a refused version is recorded as served:\n%s", rec)
	}
}

// checkRollback promotes the served model's v2 through a reviewed merge
// after its artifact was damaged in the store: the deployer cannot verify
// it, rolls back, records why, and v1 keeps answering the same predictions.
func (lc *lifecycle) checkRollback(t *testing.T, first *pipeline.Run) {
	table := lc.object(t, first, "features", "test.csv")
	before := lc.predict(t, table)
	v2 := lc.git(t, "show", "main:models/"+lc.served+"/v2.yaml")
	sha := field(v2, "sha256")
	if err := os.WriteFile(filepath.Join(lc.dir, "store", "sha256", sha[:2], sha[2:]), []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lc.bin, "promote", lc.served, "2", "--repo", lc.remote).CombinedOutput()
	if err != nil {
		t.Fatalf("mlcd promote: %v\n%s", err, out)
	}
	p := gittest.Person(t, lc.remote)
	p.Git("fetch", "-q", "origin")
	p.MergePush("origin/mlcd/promote-"+lc.served+"-v2", "Promote "+lc.served+" v2 (reviewed)")
	record := "main:deployments/" + lc.served + ".yaml"
	waitFor(t, 90*time.Second, "the rollback in "+record, func() bool {
		out, err := gittest.TryGit(lc.remote, nil, "show", record)
		return err == nil && strings.Contains(out, `kind: "rollback"`)
	})
	rec := lc.git(t, "show", record)
	if !strings.Contains(rec, "current:\n  version: 1") {
		t.Errorf("after the rollback the record does not say v1 serves:\n%s", rec)
	}
	after := lc.predict(t, table)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("predictions changed across a rolled-back deploy")
	}
}

func field(yaml, key string) string {
	for _, line := range strings.Split(yaml, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+": "); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, limit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
