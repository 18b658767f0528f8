package registry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/mlcd-dev/mlcd/mlmodel"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

const sklearnMLmodel = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    predict_fn: predict
  sklearn:
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.2.1
mlflow_version: 2.8.1
`

// folderRun is a run whose task train wrote the MLflow model folder
// "model" (files name -> content, stored in st) with the given flavor
// in mlcd.yaml.
func folderRun(t *testing.T, st *store.Local, flavor string, files map[string]string) *pipeline.Run {
	t.Helper()
	run := finishedRun("r-folder", 1)
	task := run.Tasks[1]
	task.Outputs = []pipeline.Output{{Path: "metrics.json", SHA256: sha(1000), Size: 20}}
	for name, content := range files {
		obj, err := st.Put(context.Background(), strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		task.Outputs = append(task.Outputs, pipeline.Output{Path: "model/" + name, SHA256: obj.SHA256, Size: obj.Size})
	}
	task.Model = &pipeline.ModelSpec{Name: "churn-rf", File: "model", Flavor: flavor}
	return run
}

func newStore(t *testing.T) *store.Local {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRegisterFrom_MLflowFolder(t *testing.T) {
	t.Parallel()
	for _, flavor := range []string{"", pipeline.FlavorMLflow, pipeline.FlavorSklearn} {
		st := newStore(t)
		files := map[string]string{"MLmodel": sklearnMLmodel, "model.pkl": "\x80\x04pickled", "conda.yaml": "name: x\n"}
		run := folderRun(t, st, flavor, files)
		out, versions, err := RegisterFrom(context.Background(), mustLoad(t, fstest.MapFS{}), run, st)
		if err != nil {
			t.Fatalf("flavor %q: %v", flavor, err)
		}
		if len(versions) != 1 || len(out) != 1 {
			t.Fatalf("flavor %q: %d versions, %d files", flavor, len(versions), len(out))
		}
		v := versions[0]
		if v.Flavor != pipeline.FlavorSklearn || v.Artifact.File != "model" || v.Artifact.Size != int64(len(sklearnMLmodel)+len("\x80\x04pickled")+len("name: x\n")) {
			t.Errorf("flavor %q: version flavor %q, artifact %+v", flavor, v.Flavor, v.Artifact)
		}
		rc, err := st.Open(context.Background(), v.Artifact.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if manifest, _, err := FolderManifest(run.Tasks[1], "model"); err != nil || !bytes.Equal(manifest, data) {
			t.Errorf("FolderManifest of the record differs from the stored artifact (%v)", err)
		}
		entries, err := store.DecodeManifest(data)
		if err != nil {
			t.Fatalf("the artifact is not a manifest: %v", err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Path)
			if o := run.Tasks[1].Output("model/" + e.Path); o == nil || o.SHA256 != e.SHA256 {
				t.Errorf("manifest entry %+v differs from the output", e)
			}
		}
		if diff := cmp.Diff([]string{"MLmodel", "conda.yaml", "model.pkl"}, got); diff != "" {
			t.Errorf("manifest paths (-want +got):\n%s", diff)
		}
		// The same folder again registers nothing new.
		tip := commit(fstest.MapFS{}, out)
		run2 := folderRun(t, st, flavor, files)
		run2.ID = "r-folder-2"
		if _, again, err := RegisterFrom(context.Background(), mustLoad(t, tip), run2, st); err != nil || len(again) != 0 {
			t.Errorf("the same folder again: %d versions, %v", len(again), err)
		}
	}
}

func TestRegisterFrom_refusesFolders(t *testing.T) {
	t.Parallel()
	pytorch := "flavors:\n  python_function: {loader_module: mlflow.pytorch}\n  pytorch: {model_data: data}\n"
	tests := []struct {
		name   string
		flavor string
		files  map[string]string
		noSt   bool
		want   string
		is     error
	}{
		{"a flavor mlcd does not serve", "", map[string]string{"MLmodel": pytorch, "data/model.pth": "x"},
			false, `task train_rf: model folder "model": no flavor mlcd serves: MLmodel has flavors python_function, pytorch`, mlmodel.ErrNotServable},
		{"a folder without MLmodel", "", map[string]string{"model.pkl": "x"}, false, `model folder "model" has no MLmodel file`, nil},
		{"a flavor that contradicts MLmodel", pipeline.FlavorXGBoost, map[string]string{"MLmodel": sklearnMLmodel, "model.pkl": "x"},
			false, "flavor xgboost in mlcd.yaml, but its MLmodel is served as sklearn", nil},
		{"a model file missing from the folder", "", map[string]string{"MLmodel": sklearnMLmodel}, false,
			`MLmodel names the model file "model.pkl", which is not in the folder`, nil},
		{"no store", "", map[string]string{"MLmodel": sklearnMLmodel, "model.pkl": "x"}, true, "registered with the artifact store", ErrFolderNeedsStore},
		{"a broken MLmodel", "", map[string]string{"MLmodel": "flavors: [", "model.pkl": "x"}, false, "model/MLmodel: line 1: yaml", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newStore(t)
			run := folderRun(t, st, tc.flavor, tc.files)
			var err error
			var versions []*Version
			if tc.noSt {
				_, versions, err = Register(mustLoad(t, fstest.MapFS{}), run)
			} else {
				_, versions, err = RegisterFrom(context.Background(), mustLoad(t, fstest.MapFS{}), run, st)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(versions) != 0 {
				t.Fatalf("%d versions, error %v; want none and an error containing %q", len(versions), err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
		})
	}
}

func TestRegister_fileWithoutFlavor(t *testing.T) {
	t.Parallel()
	run := finishedRun("r1", 42)
	run.Tasks[1].Model.Flavor = ""
	_, versions, err := Register(mustLoad(t, fstest.MapFS{}), run)
	if err == nil || !strings.Contains(err.Error(), `model "model.pkl" is a file, but only an MLflow model folder may leave out flavor`) || len(versions) != 0 {
		t.Errorf("%d versions, error %v", len(versions), err)
	}
}
