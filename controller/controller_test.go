package controller

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

const demoPipeline = `version: 1
pipeline: demo
on: {paths: ["src/**", "mlcd.yaml"]}
defaults: {retry_delay: 10ms}
tasks:
  prepare:
    run: cp src/seed "$MLCD_OUT/data.txt"
    inputs: ["src/*"]
  train:
    needs: [prepare]
    run: 'cat "$MLCD_IN_PREPARE/data.txt" > "$MLCD_OUT/model.json" && echo "{\"f1\": 0.5}" > "$MLCD_OUT/metrics.json"' 
    model: {name: demo-model, file: model.json, flavor: xgboost}
`

// newRemote returns a bare repository holding the demo pipeline, and the
// person who pushed it.
func newRemote(t *testing.T) (string, *gittest.Clone) {
	t.Helper()
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", demoPipeline)
	p.Write("src/seed", "one\n")
	p.Write("README.md", "# demo\n")
	p.Commit("add the pipeline")
	p.Push()
	return bare, p
}

// openControllers are the controllers newController opened, by state
// folder: a second one on the same folder is a restart, so the first one
// is closed (as its process's exit would release the folder's lock).
var openControllers sync.Map

func newController(t *testing.T, url string, mod func(*Config)) *Controller {
	t.Helper()
	cfg := Config{URL: url, StateDir: t.TempDir(), Jobs: 2, KillGrace: 200 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	restart := false
	if old, ok := openControllers.LoadAndDelete(cfg.StateDir); ok {
		if err := old.(*Controller).Close(); err != nil {
			t.Fatal(err)
		}
		restart = true
	}
	var c *Controller
	var err error
	if restart {
		c, err = openAfterClose(cfg)
	} else {
		c, err = New(context.Background(), cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	openControllers.Store(cfg.StateDir, c)
	t.Cleanup(func() {
		openControllers.CompareAndDelete(cfg.StateDir, c)
		_ = c.Close()
	})
	return c
}

// remoteFile reads path at the tip of the bare repository's main.
func remoteFile(t *testing.T, bare, path string) (string, bool) {
	t.Helper()
	out, err := gittest.TryGit(bare, nil, "show", "main:"+path)
	return out, err == nil
}

func TestController_OnceRunsRecordsAndRegisters(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	c := newController(t, bare, nil)
	ctx := context.Background()

	r, err := c.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("first pass: run = %+v, want a successful run", r)
	}
	rec, ok := remoteFile(t, bare, pipeline.RunRelPath("demo", r.ID))
	if !ok || !strings.Contains(rec, `"status": "success"`) {
		t.Fatalf("record of %s on the remote = %q, %v", r.ID, rec, ok)
	}
	if v, ok := remoteFile(t, bare, "models/demo-model/v1.yaml"); !ok || !strings.Contains(v, "stage: None") {
		t.Errorf("version 1 on the remote = %q, %v; want a registered version", v, ok)
	}
	msg := gittest.Git(t, bare, "log", "-1", "--format=%s%n%an", "main")
	if want := "mlcd: record run " + r.ID + " (success)\nmlcd-bot"; strings.TrimSpace(msg) != want {
		t.Errorf("bot commit = %q, want %q", msg, want)
	}

	// The bot's own commit starts nothing.
	if r, err := c.Once(ctx); err != nil || r != nil {
		t.Fatalf("pass after the record: run %+v, err %v; want no run", r, err)
	}
	// A change outside on.paths starts nothing.
	person.Pull()
	person.Write("README.md", "# demo, documented\n")
	person.Commit("docs")
	person.Push()
	if r, err := c.Once(ctx); err != nil || r != nil {
		t.Fatalf("pass after a README change: run %+v, err %v; want no run", r, err)
	}
	// A change to the data reruns the pipeline, and both tasks (the
	// second one reads the first one's output).
	person.Pull()
	person.Write("src/seed", "two\n")
	person.Commit("new data")
	person.Push()
	r2, err := c.Once(ctx)
	if err != nil || r2 == nil {
		t.Fatalf("pass after a data change: run %+v, err %v; want a run", r2, err)
	}
	for _, task := range r2.Tasks {
		if task.CacheHit {
			t.Errorf("task %s was a cache hit after its input changed", task.Name)
		}
	}
	if _, ok := remoteFile(t, bare, "models/demo-model/v2.yaml"); !ok {
		t.Errorf("no version 2 after the model changed")
	}
	if got := r2.Git.Commit; got != person.Head() {
		t.Errorf("run saw commit %s, want the person's %s", got, person.Head())
	}
	gittest.CheckNoForcedUpdates(t, bare, "main")
	gittest.Fsck(t, bare)
}

func TestController_InvalidPipelineIsRecordedAsFailedRun(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	c := newController(t, bare, nil)
	ctx := context.Background()
	if _, err := c.Once(ctx); err != nil {
		t.Fatal(err)
	}
	person.Pull()
	person.Write("mlcd.yaml", strings.Replace(demoPipeline, "needs: [prepare]", "needs: [prepar]", 1))
	person.Commit("typo")
	person.Push()
	r, err := c.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.Status != pipeline.StatusFailed {
		t.Fatalf("run of a broken mlcd.yaml = %+v, want a failed run", r)
	}
	if !strings.Contains(r.Error, `mlcd.yaml:10:`) || !strings.Contains(r.Error, `"prepar"`) {
		t.Errorf("error = %q, want the file:line and the unknown task", r.Error)
	}
	if _, ok := remoteFile(t, bare, pipeline.RunRelPath("demo", r.ID)); !ok {
		t.Errorf("the failed run is not recorded on the branch")
	}
	person.Pull()
	person.Write("mlcd.yaml", demoPipeline)
	person.Commit("fix the typo")
	person.Push()
	r, err = c.Once(ctx)
	if err != nil || r == nil || r.Status != pipeline.StatusSuccess {
		t.Fatalf("run after the fix = %+v, %v; want success", r, err)
	}
}

func TestController_RecoversARunInterruptedByACrash(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	stateDir := t.TempDir()
	c := newController(t, bare, func(cfg *Config) { cfg.StateDir = stateDir })
	// What a controller killed during a run leaves: a kept record, running.
	dead := &pipeline.Run{
		ID: "20260101T000000Z-dead00", Pipeline: "demo", Status: pipeline.StatusRunning,
		Trigger: pipeline.Trigger{Kind: "push"}, Git: &pipeline.GitInfo{Commit: person.Head(), Branch: "main"},
		Start: time.Now().UTC(), Tasks: []*pipeline.TaskRecord{{Name: "prepare", Status: pipeline.StatusRunning}},
	}
	if err := c.state.saveRecord(dead); err != nil {
		t.Fatal(err)
	}
	if err := c.state.saveSeen(seen{Commit: person.Head()}); err != nil {
		t.Fatal(err)
	}
	r, err := c.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := remoteFile(t, bare, pipeline.RunRelPath("demo", dead.ID))
	if !ok || !strings.Contains(rec, `"status": "interrupted"`) {
		t.Errorf("interrupted run on the branch = %q, %v", rec, ok)
	}
	if r == nil || r.Status != pipeline.StatusSuccess || r.Trigger.Kind != "recovery" {
		t.Fatalf("rerun = %+v, want a successful recovery run", r)
	}
	if kept, _ := c.state.records(); len(kept) != 0 {
		t.Errorf("state folder still keeps %d records after they were pushed", len(kept))
	}
	// Recording again is harmless: nothing is recorded twice.
	before := gittest.Git(t, bare, "rev-parse", "main")
	if err := c.record(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if after := gittest.Git(t, bare, "rev-parse", "main"); after != before {
		t.Errorf("recording a recorded run made a commit")
	}
}

func TestController_WatchRunsOnWebhookPush(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	const secret = "s3cret"
	var listening func() string
	c := newController(t, bare, func(cfg *Config) {
		cfg.Interval = time.Hour // only the first poll and the webhook
		listening = listenOnAnyPort(t, cfg)
		cfg.WebhookSecret = secret
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	listen := listening()
	first := waitFor(t, func() bool { return countRecords(t, bare) == 1 })
	_ = first

	person.Pull()
	person.Write("src/seed", "webhook\n")
	person.Commit("new data")
	person.Push()
	body := `{"ref":"refs/heads/main","after":"` + person.Head() + `","repository":{"full_name":"o/r"}}`
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req, _ := http.NewRequest("POST", "http://"+listen+"/hooks/github", strings.NewReader(body))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", "d-1")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("webhook answered %d", resp.StatusCode)
	}
	waitFor(t, func() bool { return countRecords(t, bare) == 2 })
	st, err := ReadStatus(c.cfg.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seen == nil || st.LastRuns["demo"].ID == "" {
		t.Errorf("status = %+v, want the last commit seen and the last run", st)
	}
}

func countRecords(t *testing.T, bare string) int {
	out, err := gittest.TryGit(bare, nil, "ls-tree", "-r", "--name-only", "main", "runs/demo/")
	if err != nil {
		return 0
	}
	return len(strings.Fields(out))
}

// openAfterClose is New on a state folder whose controller was just
// closed. A child process this test binary was forking (for another
// test) when the old controller closed its lock holds a copy of the
// lock's descriptor until it execs: the lock is free a moment later.
func openAfterClose(cfg Config) (*Controller, error) {
	c, err := New(context.Background(), cfg)
	for deadline := time.Now().Add(5 * time.Second); errors.Is(err, ErrStateLocked) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		c, err = New(context.Background(), cfg)
	}
	return c, err
}

func waitFor(t *testing.T, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("condition not met within 60s")
	return false
}

func TestWatchLocal_RunsOnSave(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{"mlcd.yaml": demoPipeline, "src/seed": "one\n", "README.md": "x\n"} {
		if err := writeFile(dir, name, content); err != nil {
			t.Fatal(err)
		}
	}
	st, err := storeOpen(t)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runs := make(chan *pipeline.Run, 4)
	done := make(chan error, 1)
	go func() {
		done <- WatchLocal(ctx, LocalConfig{Dir: dir, Store: st, Jobs: 2, OnRun: func(r *pipeline.Run) { runs <- r }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("WatchLocal: %v", err)
		}
	}()
	// Saving a file outside on.paths starts nothing; a file inside does.
	// Keep saving until the watcher is up (it starts asynchronously).
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case r := <-runs:
			if r.Status != pipeline.StatusSuccess || r.Trigger.Kind != "local" {
				t.Fatalf("run = %+v, want a successful local run", r)
			}
			if _, err := pipeline.ReadRun(pipeline.RunPath(dir, "demo", r.ID)); err != nil {
				t.Fatalf("record not written in the working tree: %v", err)
			}
			return
		case <-tick.C:
			_ = writeFile(dir, "README.md", "ignored change\n")
			_ = writeFile(dir, "src/seed", "change "+string(rune('a'+i%26))+"\n")
		case <-deadline:
			t.Fatal("no run within 30s of saving src/seed")
		}
	}
}

func TestController_RunRequestRunsTheHeadAgain(t *testing.T) {
	t.Parallel()
	bare, _ := newRemote(t)
	const secret = "tok"
	var listening func() string
	c := newController(t, bare, func(cfg *Config) {
		cfg.Interval = time.Hour
		listening = listenOnAnyPort(t, cfg)
		cfg.WebhookSecret = secret
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Watch(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	listen := listening()
	waitFor(t, func() bool { return countRecords(t, bare) == 1 })

	post := func(token string) int {
		req, _ := http.NewRequest("POST", "http://"+listen+"/runs", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("wrong"); got != http.StatusUnauthorized {
		t.Fatalf("run request with a wrong token answered %d, want 401", got)
	}
	if got := post(secret); got != http.StatusAccepted {
		t.Fatalf("run request answered %d, want 202", got)
	}
	waitFor(t, func() bool { return countRecords(t, bare) == 2 })
	if n := countRecords(t, bare); n != 2 {
		t.Errorf("records after one run request = %d, want 2 (the wrong token must start nothing)", n)
	}
}

// The job ids of a run on an engine the controller cannot follow (here an
// engine this mlcd does not know) leave the run recorded interrupted,
// saying why, and forgotten: never a run that stays "running".
func TestController_RunWhoseJobsCannotBeFollowedIsInterrupted(t *testing.T) {
	t.Parallel()
	bare, person := newRemote(t)
	stateDir := t.TempDir()
	c := newController(t, bare, func(cfg *Config) { cfg.StateDir = stateDir })
	dead := &pipeline.Run{
		ID: "20260101T000000Z-jobs00", Pipeline: "demo", Status: pipeline.StatusRunning,
		Trigger: pipeline.Trigger{Kind: "push"}, Git: &pipeline.GitInfo{Commit: person.Head(), Branch: "main"},
		Start: time.Now().UTC(), Tasks: []*pipeline.TaskRecord{},
	}
	if err := c.state.saveRecord(dead); err != nil {
		t.Fatal(err)
	}
	if err := c.state.saveJobs(dead.ID, submitted{Executor: "nomad", Jobs: map[string]string{"prepare": "7"}}); err != nil {
		t.Fatal(err)
	}
	r, err := c.Once(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.ID != dead.ID || r.Status != pipeline.StatusInterrupted || !strings.Contains(r.Error, `executor "nomad"`) {
		t.Fatalf("run = %+v; want %s interrupted, naming the engine", r, dead.ID)
	}
	if rec, ok := remoteFile(t, bare, pipeline.RunRelPath("demo", dead.ID)); !ok || !strings.Contains(rec, `"status": "interrupted"`) {
		t.Errorf("record on the branch = %q, %v", rec, ok)
	}
	if jobs, err := c.state.loadJobs(dead.ID); jobs != nil || err != nil {
		t.Errorf("job ids still kept: %+v, %v", jobs, err)
	}
}

// The job logs of all but the newest runs are removed; files that are not
// job logs are left alone.
func TestController_PrunesJobLogs(t *testing.T) {
	t.Parallel()
	bare, _ := newRemote(t)
	c := newController(t, bare, nil)
	dir := c.state.jobLogs()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range 4 {
		id := pipeline.NewRunID(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))
		names = append(names, "mlcd-"+id+"-train-1"+strconv.Itoa(i)+".out", "mlcd-"+id+"-pre-pare-2"+strconv.Itoa(i)+".out")
	}
	names = append(names, "notes.txt")
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c.pruneJobLogs(2)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := append(slices.Clone(names[4:8]), "notes.txt")
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want the newest two runs' logs and notes.txt: %v", left, want)
	}
}
