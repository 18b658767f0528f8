package mlmodel

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse_servings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string // in testdata, or the text itself
		want Serving
	}{
		{"sklearn with a signature", "sklearn.MLmodel", Serving{Flavor: FlavorSklearn, File: "model.pkl", Method: MethodPredict,
			Inputs: []string{"tenure", "plan", "paperless"}}},
		{"xgboost classifier", "xgboost.MLmodel", Serving{Flavor: FlavorXGBoost, File: "model.xgb", Labels: true}},
		{"xgboost booster", "flavors:\n  xgboost: {data: model.json, model_class: xgboost.core.Booster}\n",
			Serving{Flavor: FlavorXGBoost, File: "model.json"}},
		{"sklearn predict_proba", "flavors:\n  python_function: {predict_fn: predict_proba}\n  sklearn:\n    pickled_model: m/model.pkl\n",
			Serving{Flavor: FlavorSklearn, File: "m/model.pkl", Method: MethodPredictProba}},
		{"tensor signature", "flavors:\n  sklearn: {pickled_model: model.pkl}\nsignature:\n  inputs: '[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float64\", \"shape\": [-1, 4]}}]'\n",
			Serving{Flavor: FlavorSklearn, File: "model.pkl", Method: MethodPredict}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse("MLmodel", text(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Serving()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Serving (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse_fields(t *testing.T) {
	t.Parallel()
	m, err := Parse("MLmodel", text(t, "sklearn.MLmodel"))
	if err != nil {
		t.Fatal(err)
	}
	if m.MLflowVersion != "2.8.1" || m.RunID != "8f2ad0e1b5a14b8c9f3e2a1d0c9b8a7f" || m.ArtifactPath != "model" {
		t.Errorf("fields = %q %q %q", m.MLflowVersion, m.RunID, m.ArtifactPath)
	}
	want := &InputExample{Path: "input_example.json", Type: "dataframe", Orient: "split"}
	if diff := cmp.Diff(want, m.InputExample); diff != "" {
		t.Errorf("InputExample (-want +got):\n%s", diff)
	}
	if got := m.Names(); !cmp.Equal(got, []string{"python_function", "sklearn"}) {
		t.Errorf("Names = %v", got)
	}
	if m.Flavors["sklearn"]["sklearn_version"] != "1.2.1" {
		t.Errorf("sklearn settings = %v", m.Flavors["sklearn"])
	}
}

func TestParse_refuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, want string
		notServable      bool
	}{
		{"other flavors", "flavors:\n  python_function: {loader_module: mlflow.pytorch}\n  pytorch: {model_data: data}\n",
			"MLmodel has flavors python_function, pytorch; mlcd serves xgboost and sklearn", true},
		{"no flavors", "artifact_path: model\n", "no flavors: this is not an MLmodel file", false},
		{"a file outside the folder", "flavors:\n  sklearn: {pickled_model: ../../etc/passwd}\n", `pickled_model "../../etc/passwd" is not a clean path`, false},
		{"an absolute file", "flavors:\n  xgboost: {data: /model.xgb}\n", `data "/model.xgb" is not a clean path`, false},
		{"no model file", "flavors:\n  xgboost: {model_class: xgboost.core.Booster}\n", "flavor xgboost: no data", false},
		{"a string input", "flavors:\n  sklearn: {pickled_model: m.pkl}\nsignature:\n  inputs: '[{\"name\": \"plan\", \"type\": \"string\"}]'\n",
			`signature input "plan" is of type string`, false},
		{"another predict_fn", "flavors:\n  python_function: {predict_fn: predict_log_proba}\n  sklearn: {pickled_model: m.pkl}\n",
			`predict_fn "predict_log_proba"`, false},
		{"bad signature JSON", "flavors:\n  sklearn: {pickled_model: m.pkl}\nsignature:\n  inputs: '[{'\n", "line 4: signature.inputs", false},
		{"an alias", "flavors: &f\n  sklearn: {pickled_model: m.pkl}\nother: *f\n", "anchors and aliases", false},
		{"a tag", "flavors: !!map\n  sklearn: {pickled_model: m.pkl}\n", "tags", false},
		{"deep brackets", "flavors: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "brackets nest 100 deep", false},
		{"deep blocks", "flavors:\n" + deepBlocks(40), "nested more than 32 levels", false},
		{"repeated key", "flavors:\n  sklearn: {pickled_model: m.pkl}\n  sklearn: {pickled_model: n.pkl}\n", `line 3: yaml: mapping key "sklearn" already defined`, false},
		{"too large", "flavors: {}\n" + strings.Repeat("#", MaxSize), "larger than", false},
		{"two documents", "flavors: {}\n---\nflavors: {}\n", "one YAML document", false},
		{"not UTF-8", "flavors: \xff\n", "UTF-8", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse("model/MLmodel", []byte(tc.text))
			if err == nil {
				_, err = m.Serving()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
			if errors.Is(err, ErrNotServable) != tc.notServable {
				t.Errorf("errors.Is(err, ErrNotServable) = %v, want %v", !tc.notServable, tc.notServable)
			}
		})
	}
}

func deepBlocks(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i+1) + "k:\n")
	}
	return b.String()
}

func TestReadDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := ReadDir(dir); err == nil || !strings.Contains(err.Error(), "MLmodel") {
		t.Errorf("ReadDir of a folder without MLmodel = %v", err)
	}
	os.WriteFile(filepath.Join(dir, FileName), text(t, "xgboost.MLmodel"), 0o644)
	m, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := m.Serving(); err != nil || s.File != "model.xgb" {
		t.Errorf("Serving = %+v, %v", s, err)
	}
}

// text is testdata/name when it exists, else name itself.
func text(t *testing.T, name string) []byte {
	t.Helper()
	if !strings.Contains(name, "\n") {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return []byte(name)
}

// FuzzParse: no input makes Parse or Serving panic or loop, and a served
// model file stays inside the folder.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"sklearn.MLmodel", "xgboost.MLmodel"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("flavors:\n  sklearn: {pickled_model: m.pkl}\nsignature: {inputs: '[{\"name\": \"a\", \"type\": \"double\"}]'}\n"))
	f.Add([]byte("flavors: &a [*a]\n"))
	f.Add([]byte("flavors:\n  xgboost: {data: a/../../b}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("MLmodel", data)
		if err != nil {
			return
		}
		s, err := m.Serving()
		if err != nil {
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(s.File)) || path.Clean(s.File) != s.File {
			t.Fatalf("model file %q escapes the folder", s.File)
		}
	})
}
