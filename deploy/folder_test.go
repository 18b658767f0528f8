package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// mlflowFolder writes an MLflow model folder by hand, as the MLmodel
// documentation describes it, around the model file src (copied as name),
// with a signature naming the features sig0..sig3 and a split input
// example of rows.
func mlflowFolder(t *testing.T, flavors, src, name string, rows [][]float64) map[string][]byte {
	t.Helper()
	cols := []string{"sig0", "sig1", "sig2", "sig3"}
	var inputs []map[string]string
	for _, c := range cols {
		inputs = append(inputs, map[string]string{"name": c, "type": "double"})
	}
	sig, _ := json.Marshal(inputs)
	example, _ := json.Marshal(map[string]any{"columns": cols, "data": rows})
	mlmodel := "artifact_path: model\nflavors:\n" + flavors +
		"mlflow_version: 2.8.1\nsaved_input_example_info:\n  artifact_path: input_example.json\n  pandas_orient: split\n  type: dataframe\n" +
		"signature:\n  inputs: '" + string(sig) + "'\n  outputs: null\n"
	return map[string][]byte{
		"MLmodel":            []byte(mlmodel),
		name:                 readFile(t, src),
		"conda.yaml":         []byte("name: mlflow-env\ndependencies: [python=3.11]\n"),
		"requirements.txt":   []byte("mlflow==2.8.1\n"),
		"input_example.json": example,
	}
}

// registerFolder stores files as the outputs model/... of a run's task and
// registers the version through the registry, as the controller does.
func (f *fixture) registerFolder(files map[string][]byte) *registry.Version {
	f.t.Helper()
	task := &pipeline.TaskRecord{Name: "train", Status: pipeline.StatusSuccess,
		Model: &pipeline.ModelSpec{Name: "churn", File: "model"}}
	for name, data := range files {
		p := filepath.Join(f.t.TempDir(), "f")
		os.WriteFile(p, data, 0o644)
		obj, err := f.st.PutFile(context.Background(), p)
		if err != nil {
			f.t.Fatal(err)
		}
		task.Outputs = append(task.Outputs, pipeline.Output{Path: "model/" + name, SHA256: obj.SHA256, Size: obj.Size})
	}
	run := &pipeline.Run{Schema: pipeline.RecordSchema, ID: "r1", Pipeline: "churn", Status: pipeline.StatusSuccess,
		Git:   &pipeline.GitInfo{Commit: strings.Repeat("c", 40)},
		Tasks: []*pipeline.TaskRecord{task}}
	reg, err := registry.Load(fstest.MapFS{})
	if err != nil {
		f.t.Fatal(err)
	}
	_, versions, err := registry.RegisterFrom(context.Background(), reg, run, f.st)
	if err != nil || len(versions) != 1 {
		f.t.Fatalf("register the folder: %d versions, %v", len(versions), err)
	}
	return versions[0]
}

// TestDeployer_MLflowFolders: MLflow model folders of a scikit-learn
// forest and of an XGBClassifier, registered with no flavor in mlcd.yaml,
// are served as MLflow serves them: labels, columns by the signature's
// names, health-checked with the folder's own input example.
func TestDeployer_MLflowFolders(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	var want struct {
		Rows [][]float64
		RF   []float64
		XGBC []float64
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, "predicted.json")), &want); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, flavor, flavors, src, file string
		want                             []float64
	}{
		{"sklearn", "sklearn", "  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n" +
			"  sklearn:\n    pickled_model: model.pkl\n    serialization_format: pickle\n    sklearn_version: 1.2.1\n",
			filepath.Join(dir, "rf.pkl"), "model.pkl", want.RF},
		{"xgboost classifier", "xgboost", "  python_function:\n    data: model.xgb\n    loader_module: mlflow.xgboost\n" +
			"  xgboost:\n    data: model.xgb\n    model_class: xgboost.sklearn.XGBClassifier\n    model_format: xgb\n",
			filepath.Join(dir, "xgbc.xgb"), "model.xgb", want.XGBC},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *Config) { c.Python = python; c.Workers = 1 })
			v := f.registerFolder(mlflowFolder(t, tc.flavors, tc.src, tc.file, want.Rows[:2]))
			if v.Flavor != tc.flavor {
				t.Fatalf("registered flavor %q, want %q from MLmodel", v.Flavor, tc.flavor)
			}
			f.deploy(v)
			body, _ := json.Marshal(map[string]any{"dataframe_split": map[string]any{
				"columns": []string{"sig3", "sig2", "sig1", "sig0"}, "data": reversed(want.Rows)}})
			status, got := f.post("/invocations", body)
			var preds struct{ Predictions []float64 }
			if err := json.Unmarshal([]byte(got), &preds); status != 200 || err != nil {
				t.Fatalf("predict = %d %s", status, got)
			}
			if diff := cmp.Diff(tc.want, preds.Predictions); diff != "" {
				t.Errorf("predictions (-the library's predict +served):\n%s", diff)
			}
		})
	}
}

// reversed reverses the columns of each row.
func reversed(rows [][]float64) [][]float64 {
	out := make([][]float64, len(rows))
	for i, r := range rows {
		for j := len(r) - 1; j >= 0; j-- {
			out[i] = append(out[i], r[j])
		}
	}
	return out
}

func TestDeployer_MLflowFolderHealthCheckUsesItsExample(t *testing.T) {
	t.Parallel()
	dir := trained(t)
	f := newFixture(t, func(c *Config) { c.Python = python; c.Workers = 1 })
	flavors := "  sklearn:\n    pickled_model: model.pkl\n    serialization_format: pickle\n"
	files := mlflowFolder(t, flavors, filepath.Join(dir, "rf.pkl"), "model.pkl", [][]float64{{1, 2, 3, 4}})
	// The saved example names a column the model does not have: the
	// health check's prediction fails and the version is rolled back.
	files["input_example.json"] = []byte(`{"columns": ["sig0", "sig1", "sig2", "other"], "data": [[1, 2, 3, 4]]}`)
	v := f.registerFolder(files)
	res, err := f.d.Deploy(context.Background(), v, "c1")
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(res.Reason, "prediction on the input example saved with the model answered 400") ||
		!strings.Contains(res.Reason, "Model is missing inputs ['sig3']") {
		t.Errorf("Deploy = %+v, %v; want a rollback on the folder's example", res, err)
	}
}
