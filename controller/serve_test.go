package controller

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

func scoreVersion(t *testing.T, d *deploy.Deployer) string {
	t.Helper()
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/invocations", "application/json",
		strings.NewReader(`{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 2, 3]]}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /invocations = %d", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var h struct {
		ModelVersion string `json:"model_version"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("/health = %q: %v", b, err)
	}
	return h.ModelVersion
}

func TestController_StartDeployerServesRecordsAndRestores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storeDir := t.TempDir()
	st, err := store.Open(storeDir)
	if err != nil {
		t.Fatal(err)
	}
	good, err := st.PutFile(ctx, "../deploy/xgboost/testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	broken, err := st.Put(ctx, strings.NewReader(`{"learner": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	p.Write("mlcd.yaml", demoPipeline+gatedTask+"deploy: {require: none}\n")
	trainedOn.Store(p, p.Commit("add the pipeline"))
	register(p, 1, registry.StageProduction, good)
	register(p, 2, registry.StageNone, good)
	register(p, 3, registry.StageNone, broken)
	register(p, 4, registry.StageNone, broken)
	p.Commit("churn-xgb v1 in Production")
	p.Push()

	state := t.TempDir()
	mod := func(cfg *Config) { cfg.StateDir, cfg.Store = state, storeDir }
	c := newController(t, bare, mod)
	d, err := c.StartDeployer(ctx, DeployerOptions{Endpoint: "127.0.0.1:1234"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	if got := scoreVersion(t, d); got != "1" {
		t.Fatalf("first start serves version %q, want 1 (the branch's Production)", got)
	}
	rec := remoteRecord(t, bare)
	if rec.Current == nil || rec.Current.Version != 1 || rec.Current.Digest != good.SHA256 || rec.Current.Endpoint != "127.0.0.1:1234" {
		t.Errorf("record after the first deploy: current = %+v", rec.Current)
	}

	p.Git("pull", "--quiet", "--rebase", "origin", "main")
	p.Write(registry.VersionPath(gatedModel, 2), servedVersion(p, 2, registry.StageProduction, good))
	p.Commit("promote v2")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scoreVersion(t, d); got != "2" {
		t.Fatalf("after promoting v2 the endpoint serves %q", got)
	}
	rec = remoteRecord(t, bare)
	if rec.Current == nil || rec.Current.Version != 2 {
		t.Errorf("record after v2: current = %+v", rec.Current)
	}
	if v1, _ := remoteFile(t, bare, registry.VersionPath(gatedModel, 1)); !strings.Contains(v1, "stage: Archived") {
		t.Errorf("v1 after v2 was deployed:\n%s", v1)
	}

	p.Git("pull", "--quiet", "--rebase", "origin", "main")
	p.Write(registry.VersionPath(gatedModel, 3), servedVersion(p, 3, registry.StageProduction, broken))
	p.Commit("promote v3, whose file is not a model")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scoreVersion(t, d); got != "2" {
		t.Errorf("after a broken v3 the endpoint serves %q, want v2 still", got)
	}
	rec = remoteRecord(t, bare)
	last := rec.History[len(rec.History)-1]
	if rec.Current.Version != 2 || last.Kind != journal.KindRollback || last.Version != 3 || !strings.Contains(last.Reason, "load model") {
		t.Errorf("record after the rollback: current %+v, last event %+v", rec.Current, last)
	}

	// v4 has v3's artifact: it is not tried again, and that is recorded.
	p.Git("pull", "--quiet", "--rebase", "origin", "main")
	p.Write(registry.VersionPath(gatedModel, 4), servedVersion(p, 4, registry.StageProduction, broken))
	p.Commit("promote v4, the same broken file")
	p.Push()
	if err := c.ReconcileDeploys(ctx); err != nil {
		t.Fatal(err)
	}
	rec = remoteRecord(t, bare)
	last = rec.History[len(rec.History)-1]
	if last.Kind != journal.KindRollback || last.Version != 4 || !strings.Contains(last.Reason, "already failed") {
		t.Errorf("record after v4: last event %+v", last)
	}
	if got := scoreVersion(t, d); got != "2" {
		t.Errorf("after v4 the endpoint serves %q, want v2 still", got)
	}
	head := remoteHead(t, bare)
	d.Close(ctx)

	// A restart serves what the record says, and commits nothing.
	c2 := newController(t, bare, mod)
	d2, err := c2.StartDeployer(ctx, DeployerOptions{Endpoint: "127.0.0.1:1234"})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close(ctx)
	if got := scoreVersion(t, d2); got != "2" {
		t.Errorf("after a restart the endpoint serves %q, want 2", got)
	}
	if now := remoteHead(t, bare); now != head {
		log, _ := gittest.TryGit(bare, nil, "log", "--oneline", head+".."+now)
		diff, _ := gittest.TryGit(bare, nil, "diff", head, now)
		t.Errorf("a restart committed:\n%s\n%s", log, diff)
	}
}

func TestPruneCheckouts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.PutFile(ctx, "../deploy/xgboost/testdata/tiny.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := deploy.New(deploy.Config{Store: st, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	v, err := registry.Registered(&pipeline.Run{ID: "20261126T233401.000Z-ab12", Pipeline: "demo", Tasks: []*pipeline.TaskRecord{{
		Name: "gated", Status: pipeline.StatusSuccess, Outputs: []pipeline.Output{{Path: "model.json", SHA256: obj.SHA256, Size: obj.Size}},
		Model: &pipeline.ModelSpec{Name: gatedModel, File: "model.json", Flavor: pipeline.FlavorXGBoost},
	}}}, "gated")
	v.Version, v.Stage = 1, registry.StageProduction
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Deploy(ctx, v, "served"); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	for _, name := range []string{"served", "old", ".checkout-123"} {
		if err := os.MkdirAll(filepath.Join(work, name, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pruneCheckouts(work, d)
	entries, _ := os.ReadDir(work)
	if len(entries) != 1 || entries[0].Name() != "served" {
		t.Errorf("after pruning: %v, want only the served commit's checkout", entries)
	}
}
