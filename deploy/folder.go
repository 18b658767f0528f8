package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/mlmodel"
	"github.com/mlcd-dev/mlcd/registry"
)

// target is what a flavor loads: the model file, and for an MLflow model
// folder what its MLmodel file says.
type target struct {
	file    string   // the model file
	logDir  string   // where server.log goes: the version's deploy folder
	method  string   // sklearn: predict or predict_proba
	inputs  []string // the signature's column names, nil when none
	labels  bool     // xgboost: answer class labels (an XGBClassifier)
	example []byte   // the health check's body from the folder's input example
}

// maxFolderExample bounds an input example read from a model folder.
const maxFolderExample = 8 << 20

// targetOf reads what v serves from path: its model file, or an MLflow
// model folder (then MLmodel must agree with the version's flavor).
func targetOf(v *registry.Version, path string) (*target, error) {
	tg := &target{file: path, logDir: filepath.Dir(path), method: v.Serve}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return tg, nil
	}
	m, err := mlmodel.ReadDir(path)
	if err != nil {
		return nil, err
	}
	s, err := m.Serving()
	if err != nil {
		return nil, err
	}
	if s.Flavor != v.Flavor {
		return nil, fmt.Errorf("the version's flavor is %s, but its MLmodel is served as %s", v.Flavor, s.Flavor)
	}
	tg.file = filepath.Join(path, filepath.FromSlash(s.File))
	tg.inputs, tg.labels = s.Inputs, s.Labels
	if tg.method == "" { // serve: in mlcd.yaml wins over python_function.predict_fn
		tg.method = s.Method
	}
	if tg.example, err = folderExample(path, m.InputExample); err != nil {
		return nil, err
	}
	return tg, nil
}

// folderExample turns the input example MLflow saved with a model (a
// data frame in split or records orient, as written by the model's
// log_model) into a scoring request body; nil when there is none to use.
func folderExample(dir string, ex *mlmodel.InputExample) ([]byte, error) {
	if ex == nil || ex.Path == "" || ex.Type != "dataframe" {
		return nil, nil
	}
	key := map[string]string{"split": "dataframe_split", "records": "dataframe_records"}[ex.Orient]
	if key == "" {
		return nil, nil
	}
	rel := filepath.FromSlash(ex.Path)
	if !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("MLmodel: input example %q is not inside the model folder", ex.Path)
	}
	f, err := os.Open(filepath.Join(dir, rel))
	if err != nil {
		return nil, fmt.Errorf("input example: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFolderExample+1))
	if err != nil {
		return nil, fmt.Errorf("input example: %w", err)
	}
	if len(data) > maxFolderExample {
		return nil, fmt.Errorf("input example %s: larger than %d bytes", ex.Path, maxFolderExample)
	}
	body, err := json.Marshal(map[string]json.RawMessage{key: data})
	if err != nil {
		return nil, fmt.Errorf("input example %s: %w", ex.Path, err)
	}
	return body, nil
}

// wrap applies the folder's signature and label settings to a native
// model: the signature names a positional model's columns, and an
// XGBClassifier answers labels, as MLflow serves it.
func (tg *target) wrap(p scoring.Predictor, objective string) (scoring.Predictor, error) {
	schema := p.Schema()
	if len(tg.inputs) > 0 && !schema.Named() {
		if len(tg.inputs) != schema.Width() {
			return nil, fmt.Errorf("the signature has %d inputs, the model reads %d features", len(tg.inputs), schema.Width())
		}
		schema = scoring.NewSchema(tg.inputs)
	}
	if !tg.labels && schema.Named() == p.Schema().Named() {
		return p, nil
	}
	// multi:softmax already answers the class.
	labels := tg.labels && objective != "multi:softmax"
	return &folderPredictor{Predictor: p, schema: schema, labels: labels, logitraw: objective == "binary:logitraw"}, nil
}

// folderPredictor is a native model served as an MLflow folder says.
type folderPredictor struct {
	scoring.Predictor
	schema   scoring.Schema
	labels   bool
	logitraw bool // labels from a raw margin: class 1 above 0
}

func (p *folderPredictor) Schema() scoring.Schema { return p.schema }

// Predict answers labels as XGBClassifier.predict does: class 1 when the
// probability passes 0.5 (the margin 0 for binary:logitraw), the class of
// the highest probability for several classes.
func (p *folderPredictor) Predict(ctx context.Context, f *scoring.Frame) (scoring.Predictions, error) {
	out, err := p.Predictor.Predict(ctx, f)
	if err != nil || !p.labels {
		return out, err
	}
	w := max(out.Width, 1)
	threshold := 0.5
	if p.logitraw {
		threshold = 0
	}
	labels := make([]float64, len(out.Values)/w)
	for i := range labels {
		row := out.Values[i*w : (i+1)*w]
		if w == 1 {
			if row[0] > threshold {
				labels[i] = 1
			}
			continue
		}
		best := 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		labels[i] = float64(best)
	}
	return scoring.Predictions{Width: 1, Values: labels}, nil
}
