package mlmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// FileName is the name of the file that makes a folder an MLflow model.
const FileName = "MLmodel"

// Flavors mlcd serves an MLflow model folder with.
const (
	FlavorXGBoost = "xgboost"
	FlavorSklearn = "sklearn"
)

// Methods of the sklearn flavor (python_function's predict_fn).
const (
	MethodPredict      = "predict"
	MethodPredictProba = "predict_proba"
)

// ErrNotServable is the error of a model folder none of whose flavors mlcd
// serves; the message names the flavors found.
var ErrNotServable = errors.New("no flavor mlcd serves")

// Model is what an MLmodel file says.
type Model struct {
	// Flavors maps each flavor's name to its settings, as written.
	Flavors map[string]map[string]any
	// Signature is the model's input signature; nil when it was saved
	// without one.
	Signature *Signature
	// InputExample names the input example saved beside the model, if any.
	InputExample *InputExample
	// MLflowVersion, RunID, ArtifactPath: as written ("" when absent).
	MLflowVersion string
	RunID         string
	ArtifactPath  string
}

// Signature is the input half of an MLflow model signature.
type Signature struct {
	// Columns are the named inputs of a column-based signature, in order;
	// nil for a tensor signature.
	Columns []Column
	// Tensor is the input of a tensor-based signature, nil otherwise.
	Tensor *Tensor
}

// Column is one input column of a signature.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // double, float, long, integer, boolean, string, binary, datetime
	Optional bool   `json:"optional,omitempty"`
}

// Tensor is a tensor input: a dtype and a shape (-1 for any length).
type Tensor struct {
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
}

// InputExample is saved_input_example_info.
type InputExample struct {
	Path   string // artifact_path, inside the folder
	Type   string // dataframe, ndarray, json_object
	Orient string // pandas_orient for a dataframe (split, records)
}

// Serving is how mlcd serves a model folder.
type Serving struct {
	// Flavor is FlavorXGBoost or FlavorSklearn.
	Flavor string
	// File is the model file, slash-separated, relative to the folder.
	File string
	// Method is, for sklearn, MethodPredict or MethodPredictProba.
	Method string
	// Labels is, for xgboost, whether predictions are class labels (an
	// XGBClassifier saved through its scikit-learn API, as MLflow answers
	// it) rather than the booster's raw output.
	Labels bool
	// Inputs are the signature's column names, in order; nil when the
	// model has no column signature (it then names its features itself).
	Inputs []string
}

// ReadDir reads dir/MLmodel.
func ReadDir(dir string) (*Model, error) {
	p := filepath.Join(dir, FileName)
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("mlflow model folder: %w", err)
	}
	if fi.Size() > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, MaxSize)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("mlflow model folder: %w", err)
	}
	return Parse(p, data)
}

// Parse reads the content of an MLmodel file; name is used in errors.
func Parse(name string, data []byte) (*Model, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m, err := decode(root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func decode(root value) (*Model, error) {
	top, ok := root.v.(object)
	if !ok {
		return nil, errors.New("want a mapping of keys at the top")
	}
	fl, ok := top["flavors"]
	if !ok {
		return nil, errors.New("no flavors: this is not an MLmodel file")
	}
	flavors, ok := fl.v.(object)
	if !ok || len(flavors) == 0 {
		return nil, fmt.Errorf("line %d: flavors must be a mapping of flavor names to settings", fl.line)
	}
	m := &Model{Flavors: map[string]map[string]any{}}
	for name, conf := range flavors {
		settings, ok := conf.v.(object)
		if !ok && conf.v != nil {
			return nil, fmt.Errorf("line %d: flavor %s: want a mapping of settings", conf.line, name)
		}
		m.Flavors[name] = plain(settings)
	}
	m.MLflowVersion, m.RunID, m.ArtifactPath = str(top, "mlflow_version"), str(top, "run_id"), str(top, "artifact_path")
	if sig, ok := top["signature"]; ok && sig.v != nil {
		s, err := decodeSignature(sig)
		if err != nil {
			return nil, err
		}
		m.Signature = s
	}
	if ex, ok := top["saved_input_example_info"].v.(object); ok {
		m.InputExample = &InputExample{Path: str(ex, "artifact_path"), Type: str(ex, "type"), Orient: str(ex, "pandas_orient")}
	}
	return m, nil
}

// plain turns an object into map[string]any of plain values.
func plain(o object) map[string]any {
	out := make(map[string]any, len(o))
	for k, v := range o {
		out[k] = plainValue(v)
	}
	return out
}

func plainValue(v value) any {
	switch x := v.v.(type) {
	case object:
		return plain(x)
	case []value:
		list := make([]any, len(x))
		for i, e := range x {
			list[i] = plainValue(e)
		}
		return list
	}
	return v.v
}

// str is the string at key, "" when absent or not a string.
func str(o object, key string) string {
	s, _ := o[key].v.(string)
	return s
}

// decodeSignature reads signature.inputs, a JSON list kept in a YAML
// string: column specs ({"name", "type"}) or one tensor spec.
func decodeSignature(sig value) (*Signature, error) {
	o, ok := sig.v.(object)
	if !ok {
		return nil, fmt.Errorf("line %d: signature must be a mapping", sig.line)
	}
	in, ok := o["inputs"]
	if !ok || in.v == nil {
		return nil, nil
	}
	text, ok := in.v.(string)
	if !ok {
		return nil, fmt.Errorf("line %d: signature.inputs must be a JSON string", in.line)
	}
	var specs []struct {
		Column
		Tensor *Tensor `json:"tensor-spec"`
	}
	if err := json.Unmarshal([]byte(text), &specs); err != nil {
		return nil, fmt.Errorf("line %d: signature.inputs: %w", in.line, err)
	}
	s := &Signature{}
	for i, spec := range specs {
		if spec.Type == "tensor" {
			if spec.Tensor == nil || len(specs) != 1 {
				return nil, fmt.Errorf("line %d: signature.inputs: a tensor input must be alone and have a tensor-spec", in.line)
			}
			s.Tensor = spec.Tensor
			continue
		}
		if spec.Type == "" {
			return nil, fmt.Errorf("line %d: signature.inputs[%d]: no type", in.line, i)
		}
		s.Columns = append(s.Columns, spec.Column)
	}
	return s, nil
}

// Names lists the flavors, sorted.
func (m *Model) Names() []string {
	names := make([]string, 0, len(m.Flavors))
	for n := range m.Flavors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// numericTypes are the signature column types mlcd scores (as float64).
var numericTypes = []string{"double", "float", "long", "integer", "boolean"}

// Serving says how mlcd serves the folder: natively for an xgboost
// flavor, with sklearn workers for a sklearn flavor. Another flavor, a
// model file outside the folder or a non-numeric input column is an error
// naming what was found.
func (m *Model) Serving() (Serving, error) {
	var s Serving
	var err error
	switch {
	case m.Flavors[FlavorXGBoost] != nil:
		s, err = m.xgboost()
	case m.Flavors[FlavorSklearn] != nil:
		s, err = m.sklearn()
	default:
		return Serving{}, fmt.Errorf("%w: MLmodel has flavors %s; mlcd serves %s and %s", ErrNotServable,
			strings.Join(m.Names(), ", "), FlavorXGBoost, FlavorSklearn)
	}
	if err != nil {
		return Serving{}, err
	}
	if m.Signature != nil {
		for _, c := range m.Signature.Columns {
			if !slices.Contains(numericTypes, c.Type) {
				return Serving{}, fmt.Errorf("signature input %q is of type %s: mlcd serves numeric inputs (%s)",
					c.Name, c.Type, strings.Join(numericTypes, ", "))
			}
			s.Inputs = append(s.Inputs, c.Name)
		}
	}
	return s, nil
}

func (m *Model) xgboost() (Serving, error) {
	conf := m.Flavors[FlavorXGBoost]
	file, err := localFile(conf, "data", FlavorXGBoost)
	if err != nil {
		return Serving{}, err
	}
	class, _ := conf["model_class"].(string)
	return Serving{Flavor: FlavorXGBoost, File: file, Labels: strings.HasSuffix(class, "XGBClassifier") ||
		strings.HasSuffix(class, "XGBRFClassifier")}, nil
}

func (m *Model) sklearn() (Serving, error) {
	conf := m.Flavors[FlavorSklearn]
	file, err := localFile(conf, "pickled_model", FlavorSklearn)
	if err != nil {
		return Serving{}, err
	}
	switch f, _ := conf["serialization_format"].(string); f {
	case "", "pickle", "cloudpickle":
	default:
		return Serving{}, fmt.Errorf("flavor sklearn: serialization_format %q: mlcd reads pickle and cloudpickle", f)
	}
	method := MethodPredict
	if pf, ok := m.Flavors["python_function"]["predict_fn"].(string); ok && pf != "" {
		method = pf
	}
	if method != MethodPredict && method != MethodPredictProba {
		return Serving{}, fmt.Errorf("python_function.predict_fn %q: mlcd calls %s or %s", method, MethodPredict, MethodPredictProba)
	}
	return Serving{Flavor: FlavorSklearn, File: file, Method: method}, nil
}

// localFile is the setting key of a flavor, a file inside the folder.
func localFile(conf map[string]any, key, flavor string) (string, error) {
	file, _ := conf[key].(string)
	switch {
	case file == "":
		return "", fmt.Errorf("flavor %s: no %s (the model file)", flavor, key)
	case !filepath.IsLocal(filepath.FromSlash(file)) || strings.Contains(file, `\`) || path.Clean(file) != file:
		return "", fmt.Errorf("flavor %s: %s %q is not a clean path inside the model folder", flavor, key, file)
	}
	return file, nil
}
