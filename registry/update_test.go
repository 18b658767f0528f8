package registry

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRegistry_Update(t *testing.T) {
	t.Parallel()
	base := treeOf(
		withStage(sampleVersion("churn-rf", 1), StageProduction),
		sampleVersion("churn-rf", 2),
		sampleVersion("churn-rf", 3),
	)
	head := commit(base, map[string][]byte{
		"models/churn-rf/v2.yaml":  Marshal(withStage(sampleVersion("churn-rf", 2), StageProduction)),
		"models/churn-xgb/v1.yaml": Marshal(sampleVersion("churn-xgb", 1)),
		"src/train.py":             []byte("print(1)\n"),
	})
	delete(head, "models/churn-rf/v3.yaml")
	changed := []string{"models/churn-rf/v2.yaml", "models/churn-rf/v3.yaml", "models/churn-xgb/v1.yaml", "src/train.py"}

	r := mustLoad(t, base)
	got, err := r.Update(head, changed)
	if err != nil {
		t.Fatal(err)
	}
	want := mustLoad(t, head)
	if d := cmp.Diff(Diff(r, want), Diff(r, got)); d != "" {
		t.Errorf("Update differs from a full load (-load +update):\n%s", d)
	}
	if got.Production("churn-rf").Version != 2 || len(got.Models()) != 2 {
		t.Errorf("updated registry: production v%d, %d models", got.Production("churn-rf").Version, len(got.Models()))
	}
	if r.Version("churn-rf", 3) == nil || r.Version("churn-rf", 2).Stage != StageNone {
		t.Error("Update changed the registry it started from")
	}
}

func TestRegistry_Update_problems(t *testing.T) {
	t.Parallel()
	base := treeOf(withStage(sampleVersion("churn-rf", 1), StageProduction, "champion"), sampleVersion("churn-rf", 2))
	head := commit(base, map[string][]byte{
		"models/churn-rf/v2.yaml": Marshal(withStage(sampleVersion("churn-rf", 2), StageNone, "champion")),
		"models/churn-rf/v3.yaml": []byte(strings.Replace(string(Marshal(sampleVersion("churn-rf", 3))), "stage: None", "stage: prod", 1)),
		"models/stray.yaml":       []byte("x: 1\n"),
	})
	_, err := mustLoad(t, base).Update(head, []string{"models/churn-rf/v2.yaml", "models/churn-rf/v3.yaml", "models/stray.yaml"})
	_, full := Load(head)
	if err == nil || full == nil || err.Error() != full.Error() {
		t.Errorf("Update problems:\n%v\nfull load:\n%v", err, full)
	}
}
