package pipeline

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse_modelFlavors(t *testing.T) {
	t.Parallel()
	data := `pipeline: p
tasks:
  folder: {run: x, model: {name: a, file: model}}
  mlflow: {run: x, model: {name: b, file: model, flavor: mlflow}}
  rf: {run: x, model: {name: c, file: model.pkl, flavor: sklearn}}
  proba: {run: x, model: {name: d, file: model.pkl, flavor: sklearn, serve: predict_proba}}
`
	p, err := Parse("mlcd.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ModelSpec{
		"folder": {Name: "a", File: "model"},
		"mlflow": {Name: "b", File: "model", Flavor: FlavorMLflow},
		"rf":     {Name: "c", File: "model.pkl", Flavor: FlavorSklearn},
		"proba":  {Name: "d", File: "model.pkl", Flavor: FlavorSklearn, Serve: SklearnPredictProba},
	}
	for _, task := range p.Tasks {
		if diff := cmp.Diff(want[task.Name], *task.Model); diff != "" {
			t.Errorf("task %s: model (-want +got):\n%s", task.Name, diff)
		}
	}
}
