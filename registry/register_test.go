package registry

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// finishedRun is a successful run whose task train_rf wrote a model with
// digest sha(seed).
func finishedRun(id string, seed int) *pipeline.Run {
	end := time.Date(2026, 11, 26, 12, 0, seed%60, 0, time.UTC)
	return &pipeline.Run{
		Schema: pipeline.RecordSchema, ID: id, Pipeline: "churn",
		Git:    &pipeline.GitInfo{Commit: strings.Repeat("c", 40)},
		Params: pipeline.Params{"n_estimators": 200, "criterion": "gini"},
		Status: pipeline.StatusSuccess,
		Tasks: []*pipeline.TaskRecord{
			{Name: "features", Status: pipeline.StatusSuccess},
			{
				Name: "train_rf", Status: pipeline.StatusSuccess, End: end,
				Outputs: []pipeline.Output{{Path: "metrics.json", SHA256: sha(1000), Size: 20}, {Path: "model.pkl", SHA256: sha(seed), Size: 4096}},
				Params:  pipeline.Params{"max_depth": int64(8)},
				Metrics: map[string]float64{"f1": 0.91},
				Model:   &pipeline.ModelSpec{Name: "churn-rf", File: "model.pkl", Flavor: "command", Serve: "python3 serve.py {model} {port}"},
			},
		},
	}
}

// commit adds files to a copy of tree, as a pushed commit would.
func commit(tree fstest.MapFS, files map[string][]byte) fstest.MapFS {
	next := maps.Clone(tree)
	for p, data := range files {
		next[p] = &fstest.MapFile{Data: data}
	}
	return next
}

func mustLoad(t *testing.T, fsys fstest.MapFS) *Registry {
	t.Helper()
	r, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegister(t *testing.T) {
	t.Parallel()
	tip := treeOf(sampleVersion("churn-rf", 1), sampleVersion("churn-rf", 7))
	files, versions, err := Register(mustLoad(t, tip), finishedRun("r1", 42))
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 1 || len(files) != 1 {
		t.Fatalf("registered %d versions, %d files; want 1", len(versions), len(files))
	}
	v := versions[0]
	want := &Version{
		Schema: Schema, Model: "churn-rf", Version: 8, Stage: StageNone,
		RunID: "r1", Pipeline: "churn", Task: "train_rf", Commit: strings.Repeat("c", 40),
		Artifact: Artifact{File: "model.pkl", SHA256: sha(42), Size: 4096},
		Flavor:   "command", Serve: "python3 serve.py {model} {port}",
		Metrics: map[string]float64{"f1": 0.91},
		Params:  pipeline.Params{"n_estimators": int64(200), "criterion": "gini", "max_depth": int64(8)},
		Created: time.Date(2026, 11, 26, 12, 0, 42, 0, time.UTC),
	}
	diffVersions(t, want, v)
	data, ok := files["models/churn-rf/v8.yaml"]
	if !ok {
		t.Fatalf("files = %v, want models/churn-rf/v8.yaml", slices.Collect(maps.Keys(files)))
	}
	back, err := Parse("models/churn-rf/v8.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	diffVersions(t, want, back)
}

func TestRegister_skips(t *testing.T) {
	t.Parallel()
	latest := sampleVersion("churn-rf", 2)
	latest.Artifact.SHA256 = sha(42)
	tip := mustLoad(t, treeOf(sampleVersion("churn-rf", 1), latest))
	for name, change := range map[string]func(r *pipeline.Run){
		"cache hit of an earlier version's model": func(r *pipeline.Run) {
			r.Tasks[1].CacheHit = true
			r.Tasks[1].Outputs[1].SHA256 = sha(1) // v1's
		},
		"failed task":                   func(r *pipeline.Run) { r.Tasks[1].Status = pipeline.StatusFailed },
		"same digest as latest version": func(r *pipeline.Run) {},
		"task without a model":          func(r *pipeline.Run) { r.Tasks[1].Model = nil },
	} {
		run := finishedRun("r1", 42)
		change(run)
		files, versions, err := Register(tip, run)
		if err != nil || len(files)+len(versions) > 0 {
			t.Errorf("%s: registered %d files, %v", name, len(files), err)
		}
	}
}

// A cache hit whose model no version has was trained by a run that ended
// before it was recorded (killed, its push lost): it is registered now,
// or the model would be lost for good.
func TestRegister_cacheHitOfAModelNoVersionHas(t *testing.T) {
	t.Parallel()
	for name, tip := range map[string]*Registry{
		"model with other versions": mustLoad(t, treeOf(sampleVersion("churn-rf", 1), sampleVersion("churn-rf", 2))),
		"model without versions":    nil,
	} {
		run := finishedRun("r1", 42)
		run.Tasks[1].CacheHit = true
		_, versions, err := Register(tip, run)
		if err != nil || len(versions) != 1 || versions[0].Artifact.SHA256 != sha(42) {
			t.Errorf("%s: registered %d versions, %v; want the cached model's", name, len(versions), err)
		}
	}
}

func TestRegister_missingModelFile(t *testing.T) {
	t.Parallel()
	run := finishedRun("r1", 42)
	run.Tasks[1].Outputs = run.Tasks[1].Outputs[:1]
	_, versions, err := Register(nil, run)
	if err == nil || !strings.Contains(err.Error(), `task train_rf: model file "model.pkl" is not among its outputs`) {
		t.Fatalf("err = %v", err)
	}
	if len(versions) != 0 {
		t.Errorf("registered %d versions without a model file", len(versions))
	}
}

// Two runs finish together on the same tip: both build v1; the first push
// wins, the second is refused as non-fast-forward, and building again on
// the new tip numbers it v2. Building a third time on a tip that already
// holds it registers nothing (a push that succeeded but timed out).
func TestRegister_racingRuns(t *testing.T) {
	t.Parallel()
	tip := treeOf()
	a, av, err := Register(mustLoad(t, tip), finishedRun("run-a", 1))
	if err != nil {
		t.Fatal(err)
	}
	_, bv, err := Register(mustLoad(t, tip), finishedRun("run-b", 2))
	if err != nil {
		t.Fatal(err)
	}
	if av[0].Version != 1 || bv[0].Version != 1 {
		t.Fatalf("on the same tip both runs should build v1, got v%d and v%d", av[0].Version, bv[0].Version)
	}
	pushed := commit(tip, a)
	b, bv, err := Register(mustLoad(t, pushed), finishedRun("run-b", 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(bv) != 1 || bv[0].Version != 2 || b["models/churn-rf/v2.yaml"] == nil {
		t.Fatalf("rebuilt on the new tip: %v, want v2", slices.Collect(maps.Keys(b)))
	}
	both := commit(pushed, b)
	again, _, err := Register(mustLoad(t, both), finishedRun("run-b", 2))
	if err != nil || len(again) != 0 {
		t.Errorf("registering a run twice wrote %v, %v", slices.Collect(maps.Keys(again)), err)
	}
	r := mustLoad(t, both)
	if got := r.Model("churn-rf").Latest(); got.Version != 2 || got.RunID != "run-b" {
		t.Errorf("latest = v%d of %s", got.Version, got.RunID)
	}
}

func TestRegister_neverReusesNumbers(t *testing.T) {
	t.Parallel()
	// v2 was archived and v1 was never there: the next one is max+1, not a gap.
	tip := mustLoad(t, treeOf(withStage(sampleVersion("churn-rf", 2), StageArchived), sampleVersion("churn-rf", 5)))
	_, versions, err := Register(tip, finishedRun("r", 9))
	if err != nil || len(versions) != 1 || versions[0].Version != 6 {
		t.Fatalf("got %+v, %v; want v6", versions, err)
	}
}

func TestRegister_brokenFileKeepsItsNumber(t *testing.T) {
	t.Parallel()
	tree := treeOf(sampleVersion("churn-rf", 1))
	tree["models/churn-rf/v2.yaml"] = &fstest.MapFile{Data: []byte("stage: [\n")}
	tip, err := Load(tree)
	if err == nil || tip == nil {
		t.Fatalf("Load = %v, %v; want the registry and the problem", tip, err)
	}
	files, _, err := Register(tip, finishedRun("r", 9))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["models/churn-rf/v3.yaml"]; !ok || len(files) != 1 {
		t.Errorf("files = %v, want v3 (v2 is taken by a broken file)", slices.Collect(maps.Keys(files)))
	}
	up, _ := mustLoad(t, treeOf(sampleVersion("churn-rf", 1))).Update(tree, []string{"models/churn-rf/v2.yaml"})
	files, _, _ = Register(up, finishedRun("r", 9))
	if _, ok := files["models/churn-rf/v3.yaml"]; !ok {
		t.Errorf("after Update: files = %v, want v3", slices.Collect(maps.Keys(files)))
	}
}
