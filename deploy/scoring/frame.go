package scoring

import (
	"context"
	"math"
)

// Schema is a model's input: its feature names in the order the model reads
// them, or only a width for a model saved without names (then inputs are
// positional).
type Schema struct {
	names []string
	width int
	index map[string]int
}

// NewSchema returns the schema of a model whose features are names, in order.
func NewSchema(names []string) Schema {
	idx := make(map[string]int, len(names))
	for i, n := range names {
		if _, dup := idx[n]; !dup {
			idx[n] = i
		}
	}
	return Schema{names: append([]string(nil), names...), width: len(names), index: idx}
}

// PositionalSchema returns the schema of a model that reads width unnamed
// features: columns are taken in the order the request gives them.
func PositionalSchema(width int) Schema { return Schema{width: width} }

// Names returns the feature names (nil for a positional schema).
func (s Schema) Names() []string { return s.names }

// Width returns the number of features.
func (s Schema) Width() int { return s.width }

// Named reports whether features are matched by name.
func (s Schema) Named() bool { return len(s.names) > 0 }

// lookup returns the feature index of a column name, or -1.
func (s Schema) lookup(name []byte) int {
	if i, ok := s.index[string(name)]; ok {
		return i
	}
	return -1
}

// Frame is a decoded request: Rows rows of Width float features, row-major,
// in the schema's order. A missing value (JSON null, an empty CSV field) is
// NaN. A Frame handed to Predict is only valid during that call.
type Frame struct {
	Columns []string // the schema's names; nil for a positional schema
	Width   int
	Rows    int
	Values  []float64 // len Rows*Width
}

// Row returns row i.
func (f *Frame) Row(i int) []float64 { return f.Values[i*f.Width : (i+1)*f.Width] }

// reset makes f an all-missing frame of rows rows, reusing its storage.
func (f *Frame) reset(s Schema, rows int) {
	f.Columns, f.Width, f.Rows = s.names, s.width, rows
	n := rows * s.width
	if cap(f.Values) < n {
		f.Values = make([]float64, n)
	}
	f.Values = f.Values[:n]
	nan := math.NaN()
	for i := range f.Values {
		f.Values[i] = nan
	}
}

// Params are the request's optional "params" object (MLflow 2.6+); models
// without params ignore them.
type Params map[string]any

// Predictions is a model's output: Width values per row, row-major. Width 1
// is answered as a flat list ({"predictions": [p0, p1]}), a wider output as
// one list per row (multi-class probabilities), as MLflow shapes them.
type Predictions struct {
	Width  int
	Values []float64
	// Labels, when set, are the class labels of a classifier whose labels
	// are not numbers: each value is then an index into Labels, answered
	// as that label (a JSON string).
	Labels []string
}

// Predictor is a loaded model version that the Handler serves.
type Predictor interface {
	// Schema is the input the model reads.
	Schema() Schema
	// Version labels the model version served; /health reports it (GET
	// /version answers the MLflow protocol version, Options.MLflowVersion).
	Version() string
	// Predict scores every row of f. It must not keep f after returning
	// and should stop early with ctx's error when ctx is done.
	Predict(ctx context.Context, f *Frame) (Predictions, error)
}

// Readier is a Predictor that can be unable to score for a while (its
// worker processes are restarting): /ping answers 503 while Ready is false.
type Readier interface {
	Ready() bool
}

// OutputNamer is a Predictor whose rows of predictions are lists with named
// entries (a classifier's predict_proba: one per class); /health lists them.
type OutputNamer interface {
	Outputs() []string
}
