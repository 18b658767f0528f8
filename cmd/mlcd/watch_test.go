package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/internal/proctest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

const crashPipeline = `version: 1
pipeline: crash
on: {paths: ["src/**"]}
tasks:
  prepare: {run: 'sleep 0.2; cp src/seed "$MLCD_OUT/data"', inputs: ["src/*"]}
  train:
    needs: [prepare]
    run: 'sleep 0.3; cat "$MLCD_IN_PREPARE/data" > "$MLCD_OUT/model.json"; echo "{\"f1\": 0.5}" > "$MLCD_OUT/metrics.json"'
    model: {name: crash-model, file: model.json, flavor: xgboost}
`

// TestWatch_SurvivesKillNine kills `mlcd watch` with SIGKILL at random
// moments — during runs and during pushes — 20 times, restarting it each
// time. Afterwards every completed run is on the branch exactly once, the
// newest commit has its run, version numbers have no holes, every model
// a successful run trained is a version, no push was
// forced and the repositories pass git fsck.
func TestWatch_SurvivesKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the controller 20 times")
	}
	t.Parallel()
	bin := mlcdBinary(t)
	// The remote is served over HTTP, as a real one is: killing mlcd never
	// kills the server's receive-pack half way (a local path remote runs it
	// in mlcd's process group, and a SIGKILL there leaves a stale ref lock
	// that git itself would not clear either).
	root := t.TempDir()
	bare := gittest.NewBareIn(t, root, "repo.git")
	url := gittest.Serve(t, root, gittest.ServeOptions{User: "ada", Password: "pw"}).AuthURL("repo.git")
	person := gittest.Person(t, url)
	person.Write("mlcd.yaml", crashPipeline)
	person.Write("src/seed", "0\n")
	person.Commit("pipeline")
	person.Push()
	state := t.TempDir()
	logs := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))

	start := func(i int) *proctest.Process {
		logf, err := os.Create(filepath.Join(logs, fmt.Sprintf("watch-%02d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { logf.Close() })
		cmd := exec.Command(bin, "--debug", "watch", "--repo", url, "--state", state, "--interval", "100ms", "--jobs", "2", "--endpoint", "off")
		cmd.Env = append(os.Environ(), gittest.Env()...)
		cmd.Stdout, cmd.Stderr = logf, logf
		// Killed when the test ends, failed or not: a controller left
		// running would write into the state folder after it.
		return proctest.Start(t, cmd)
	}
	for i := range 20 {
		person.Pull()
		person.Write("src/seed", fmt.Sprintf("%d\n", i+1))
		person.Commit(fmt.Sprintf("data %d", i+1))
		if err := person.PushRetry(20); err != nil {
			t.Fatal(err)
		}
		p := start(i)
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		// The whole process group: tasks die with their controller, as
		// they would when a machine goes down.
		_ = p.KillGroup()
	}
	last := person.Head()
	p := start(99)
	// Caught up: the last commit's success is on the branch and the
	// records the killed controllers kept are pushed. The success alone
	// is not enough: a killed controller may have pushed it, and a
	// SIGTERM while this one still pushes the kept records at its start
	// leaves the rest for its next start, by design.
	deadline := time.Now().Add(90 * time.Second)
	for !hasSuccessFor(t, bare, last) || len(keptRecords(state)) > 0 {
		if time.Now().After(deadline) {
			tail, _ := os.ReadFile(filepath.Join(logs, "watch-99.log"))
			if len(tail) > 4000 {
				tail = tail[len(tail)-4000:]
			}
			t.Fatalf("within 90s, no successful run of the last commit, or records %q still wait in the state folder; the controller said:\n%s",
				keptRecords(state), tail)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	if err := p.Wait(); err != nil {
		t.Errorf("mlcd watch after SIGTERM: %v", err)
	}

	runs := branchRuns(t, bare)
	success := map[string]int{}
	for _, r := range runs {
		if r.Status == pipeline.StatusSuccess {
			success[r.Git.Commit]++
		}
	}
	for commit, n := range success {
		if n > 1 {
			t.Errorf("commit %s has %d successful runs recorded, want at most 1", commit[:12], n)
		}
	}
	if kept := keptRecords(state); len(kept) != 0 {
		t.Errorf("records %q still wait in the state folder after a clean stop", kept)
	}
	versions := strings.Fields(gittest.Git(t, bare, "ls-tree", "--name-only", "main", "models/crash-model/"))
	for i, v := range versions {
		_ = i
		if !strings.HasPrefix(filepath.Base(v), "v") {
			t.Errorf("unexpected file %s in the registry", v)
		}
	}
	for n := 1; n <= len(versions); n++ {
		if _, err := gittest.TryGit(bare, nil, "cat-file", "-e", fmt.Sprintf("main:models/crash-model/v%d.yaml", n)); err != nil {
			t.Errorf("version %d missing: numbers have a hole (%v)", n, versions)
		}
	}
	// Nothing trained is lost: the model of every successful run is a
	// version, even when a kill ended the run that trained it before it
	// was recorded (its rerun was then a cache hit).
	have := map[string]bool{}
	for _, name := range versions {
		v, err := registry.Parse(name, []byte(gittest.Git(t, bare, "show", "main:"+name)))
		if err != nil {
			t.Fatalf("version file %s: %v", name, err)
		}
		have[v.Artifact.SHA256] = true
	}
	for _, r := range runs {
		tr := r.Task("train")
		if r.Status != pipeline.StatusSuccess || tr == nil {
			continue
		}
		if out := tr.Output("model.json"); out != nil && !have[out.SHA256] {
			t.Errorf("run %s of commit %s trained a model no version has (cache hit: %v)", r.ID, r.Git.Commit[:12], tr.CacheHit)
		}
	}
	gittest.CheckNoForcedUpdates(t, bare, "main")
	gittest.Fsck(t, bare)
	gittest.Fsck(t, filepath.Join(state, "repo"))
	t.Logf("%d records, %d versions after 20 kills", len(runs), len(versions))
}

func branchRuns(t *testing.T, bare string) []*pipeline.Run {
	t.Helper()
	out, err := gittest.TryGit(bare, nil, "ls-tree", "-r", "--name-only", "main", "runs/crash/")
	if err != nil {
		return nil
	}
	var runs []*pipeline.Run
	for _, name := range strings.Fields(out) {
		data := gittest.Git(t, bare, "show", "main:"+name)
		var r pipeline.Run
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			t.Fatalf("record %s: %v", name, err)
		}
		runs = append(runs, &r)
	}
	return runs
}

// keptRecords names the run records the controller keeps in its state
// folder until they are on the branch.
func keptRecords(state string) []string {
	kept, _ := filepath.Glob(filepath.Join(state, "records", "*.json"))
	for i, k := range kept {
		kept[i] = filepath.Base(k)
	}
	return kept
}

func hasSuccessFor(t *testing.T, bare, commit string) bool {
	for _, r := range branchRuns(t, bare) {
		if r.Git != nil && r.Git.Commit == commit && r.Status == pipeline.StatusSuccess {
			return true
		}
	}
	return false
}

func TestRunOnce_RecordsThenFindsNothingChanged(t *testing.T) {
	t.Parallel()
	bare := gittest.NewBare(t)
	person := gittest.Person(t, bare)
	person.Write("mlcd.yaml", crashPipeline)
	person.Write("src/seed", "0\n")
	person.Commit("pipeline")
	person.Push()
	state := t.TempDir()
	env := gittest.Env()

	first := runBinary(t, t.TempDir(), env, "run", "--once", "--repo", bare, "--state", state)
	if first.code != 0 || !strings.Contains(first.stdout, ": success, recorded in runs/crash/") {
		t.Fatalf("first pass: exit %d\n%s\n%s", first.code, first.stdout, first.stderr)
	}
	if runs := branchRuns(t, bare); len(runs) != 1 || runs[0].Git.Commit != person.Head() {
		t.Fatalf("records on the branch after one pass = %d, want 1 of the person's commit", len(runs))
	}
	second := runBinary(t, t.TempDir(), env, "run", "--once", "--repo", bare, "--state", state)
	if second.code != 0 || !strings.Contains(second.stdout, "nothing changed") {
		t.Fatalf("second pass: exit %d\n%s\n%s", second.code, second.stdout, second.stderr)
	}
	// A fresh state folder (a CI job) starts from the last recorded run.
	third := runBinary(t, t.TempDir(), env, "run", "--once", "--repo", bare, "--state", t.TempDir())
	if third.code != 0 || !strings.Contains(third.stdout, "nothing changed") {
		t.Fatalf("pass with a fresh state folder: exit %d\n%s\n%s", third.code, third.stdout, third.stderr)
	}
	bad := runBinary(t, t.TempDir(), env, "run", "--once")
	if bad.code != 3 {
		t.Errorf("--once without --repo: exit %d, want 3", bad.code)
	}
}
