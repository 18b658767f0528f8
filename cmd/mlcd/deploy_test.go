package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

func TestDeployCommand_Once(t *testing.T) {
	t.Parallel()
	storeDir := t.TempDir()
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.PutFile(context.Background(), "../../deploy/xgboost/testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	v := &registry.Version{
		Schema: registry.Schema, Model: "churn", Version: 1, Stage: registry.StageProduction,
		RunID: "20261126T233401Z-ab12", Pipeline: "demo", Task: "train", Commit: strings.Repeat("a", 40),
		Artifact: registry.Artifact{File: "model.json", SHA256: obj.SHA256, Size: obj.Size},
		Flavor:   pipeline.FlavorXGBoost, Created: time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC),
	}
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", "version: 1\npipeline: demo\ntasks:\n  train: {run: \"true\"}\ndeploy: {listen: \"127.0.0.1:5005\", require: none}\n")
	p.Write(v.Path(), string(registry.Marshal(v)))
	p.Commit("churn v1 in Production")
	p.Push()

	state := filepath.Join(t.TempDir(), "state")
	env := append(gittest.Env(), "MLCD_STORE="+storeDir)
	res := runBinary(t, t.TempDir(), env, "deploy", "--once", "--repo", bare, "--state", state)
	if res.code != 0 || !strings.Contains(res.stdout, "churn v1 serving") {
		t.Fatalf("mlcd deploy --once: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	data, err := gittest.TryGit(bare, nil, "show", "main:"+deploy.Path("churn"))
	if err != nil {
		t.Fatalf("no record on the branch: %v", err)
	}
	rec, err := deploy.Parse(deploy.Path("churn"), []byte(data+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Current == nil || rec.Current.Version != 1 || rec.Current.Endpoint != "127.0.0.1:5005" || rec.Current.Digest != obj.SHA256 {
		t.Errorf("record: current = %+v", rec.Current)
	}
	head := gittest.Git(t, bare, "rev-parse", "main")

	// A second pass finds the version recorded as serving: it serves it
	// again and commits nothing.
	res = runBinary(t, t.TempDir(), env, "deploy", "--once", "--repo", bare, "--state", state)
	if res.code != 0 || !strings.Contains(res.stdout, "churn v1 serving") {
		t.Fatalf("second pass: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	if now := gittest.Git(t, bare, "rev-parse", "main"); now != head {
		t.Errorf("the second pass committed: %s -> %s", head, now)
	}
	if res := runBinary(t, t.TempDir(), env, "deploy", "--once"); res.code != exitBadInput {
		t.Errorf("without --repo: exit %d, want 3", res.code)
	}
}
