package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// gatedPipeline is a pipeline whose training task says it started (it
// creates started) and then waits until the test creates gate.
func gatedPipeline(started, gate string) string {
	return fmt.Sprintf(`version: 1
pipeline: crash
on: {paths: ["src/**"]}
tasks:
  train:
    run: 'touch %q; while [ ! -f %q ]; do sleep 0.05; done; cp src/seed "$MLCD_OUT/model.json"; echo "{\"f1\": 0.5}" > "$MLCD_OUT/metrics.json"'
    model: {name: crash-model, file: model.json, flavor: xgboost}
`, started, gate)
}

// TestRunOnce_SecondProcessOnALockedStateExitsNamingTheHolder starts
// `mlcd run --once` and, while its run is live, a second one on the same
// state folder. The second must exit at once naming the first's PID, and
// leave the first's run alone: it finishes, and its record and model
// version are on the branch exactly once.
func TestRunOnce_SecondProcessOnALockedStateExitsNamingTheHolder(t *testing.T) {
	t.Parallel()
	bin := mlcdBinary(t)
	marks := t.TempDir()
	started, gate := filepath.Join(marks, "started"), filepath.Join(marks, "gate")
	bare := gittest.NewBare(t)
	person := gittest.Person(t, bare)
	person.Write("mlcd.yaml", gatedPipeline(started, gate))
	person.Write("src/seed", "0\n")
	person.Commit("pipeline")
	person.Push()
	state := t.TempDir()

	var firstOut bytes.Buffer
	first := exec.Command(bin, "run", "--once", "--repo", bare, "--state", state)
	first.Env = append(os.Environ(), gittest.Env()...)
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = os.WriteFile(gate, nil, 0o644)
		_ = first.Process.Kill()
	}()
	waitForFile(t, started, &firstOut)

	second := exec.Command(bin, "run", "--once", "--repo", bare, "--state", state)
	second.Env = first.Env
	done := make(chan []byte, 1)
	go func() {
		out, _ := second.CombinedOutput()
		done <- out
	}()
	var out []byte
	select {
	case out = <-done:
	case <-time.After(2 * time.Minute):
		_ = second.Process.Kill()
		t.Fatalf("a second process on a state folder in use did not exit; it said:\n%s", <-done)
	}
	if second.ProcessState.ExitCode() == 0 {
		t.Errorf("second process on the same state folder exited 0; it said:\n%s", out)
	}
	wantPID := fmt.Sprintf("pid %d", first.Process.Pid)
	if !strings.Contains(string(out), wantPID) || !strings.Contains(string(out), "--state") {
		t.Errorf("second process said:\n%s\nwant the holder (%s) and what to do (--state)", out, wantPID)
	}

	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first process: %v\n%s", err, firstOut.String())
	}
	runs := branchRuns(t, bare)
	if len(runs) != 1 || runs[0].Status != pipeline.StatusSuccess {
		t.Fatalf("records on the branch = %d (%+v), want the first process's one successful run", len(runs), runs)
	}
	if _, err := gittest.TryGit(bare, nil, "cat-file", "-e", "main:models/crash-model/v1.yaml"); err != nil {
		t.Errorf("the first run's model was not registered: %v", err)
	}
	if _, err := gittest.TryGit(bare, nil, "cat-file", "-e", "main:models/crash-model/v2.yaml"); err == nil {
		t.Errorf("a second version was registered for the same commit")
	}
}

// waitForFile waits until path exists, failing with log after a minute.
func waitForFile(t *testing.T, path string, log *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared; the process said:\n%s", path, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
