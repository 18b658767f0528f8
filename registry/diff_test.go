package registry

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	base := treeOf(
		withStage(sampleVersion("churn-rf", 1), StageProduction),
		sampleVersion("churn-rf", 2),
		sampleVersion("churn-rf", 3),
		sampleVersion("churn-xgb", 1),
	)
	head := treeOf(
		withStage(sampleVersion("churn-rf", 1), StageProduction),
		withStage(sampleVersion("churn-rf", 2), StageProduction, "champion"),
		sampleVersion("churn-rf", 4),
		func() *Version {
			v := sampleVersion("churn-xgb", 1)
			v.Metrics["f1"] = 0.99
			v.Artifact.SHA256 = sha(77)
			return v
		}(),
	)
	// Same version, other bytes (a comment): not a change.
	head["models/churn-rf/v1.yaml"] = &fstest.MapFile{Data: append([]byte("# reviewed\n"), head["models/churn-rf/v1.yaml"].Data...)}
	got := Diff(mustLoad(t, base), mustLoad(t, head))
	want := []Change{
		{Model: "churn-rf", Version: 2, Path: "models/churn-rf/v2.yaml", FromStage: StageNone, ToStage: StageProduction, Fields: []string{"stage", "aliases"}},
		{Model: "churn-rf", Version: 3, Path: "models/churn-rf/v3.yaml", FromStage: StageNone, Removed: true},
		{Model: "churn-rf", Version: 4, Path: "models/churn-rf/v4.yaml", ToStage: StageNone, Added: true},
		{Model: "churn-xgb", Version: 1, Path: "models/churn-xgb/v1.yaml", FromStage: StageNone, ToStage: StageNone, Fields: []string{"artifact.sha256", "metrics.f1"}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Diff (-want +got):\n%s", d)
	}
	if !got[0].StageChanged() || got[3].StageChanged() || got[1].StageChanged() {
		t.Error("StageChanged is wrong")
	}
	if d := Diff(mustLoad(t, head), mustLoad(t, head)); len(d) != 0 {
		t.Errorf("Diff of a tree with itself = %v", d)
	}
}
