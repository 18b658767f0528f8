package lightgbm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/dmitryikh/leaves"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

// Model is a loaded LightGBM ensemble. It is safe for concurrent use.
type Model struct {
	ens       *leaves.Ensemble
	schema    scoring.Schema
	objective string
	version   string
}

var _ scoring.Predictor = (*Model)(nil)

// Load reads a LightGBM text model file.
func Load(ctx context.Context, path string) (*Model, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load lightgbm model: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load lightgbm model %s: %w", path, err)
	}
	return m, nil
}

// Parse reads a model from the bytes of a LightGBM text model file.
func Parse(data []byte) (m *Model, err error) {
	h := readHeader(data)
	if !h.tree {
		return nil, fmt.Errorf("not a LightGBM text model (it does not start with \"tree\")")
	}
	// leaves panics on some malformed files; a bad file is an error here.
	defer func() {
		if v := recover(); v != nil {
			m, err = nil, fmt.Errorf("lightgbm model: %v", v)
		}
	}()
	ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(data)), true)
	if err != nil {
		return nil, fmt.Errorf("lightgbm model: %w", err)
	}
	m = &Model{ens: ens, objective: h.objective, version: "lightgbm"}
	if h.version != "" {
		m.version = "lightgbm-" + h.version
	}
	m.schema = schemaOf(h.names, ens.NFeatures())
	return m, nil
}

// header is what the first lines of a text model say.
type header struct {
	tree      bool
	version   string
	objective string
	names     []string
}

func readHeader(data []byte) header {
	var h header
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for first := true; sc.Scan(); first = false {
		line := strings.TrimSpace(sc.Text())
		if first {
			h.tree = line == "tree"
			continue
		}
		if line == "" || strings.HasPrefix(line, "Tree=") {
			break
		}
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "version":
			h.version = v
		case "objective":
			h.objective, _, _ = strings.Cut(v, " ")
		case "feature_names":
			h.names = strings.Fields(v)
		}
	}
	return h
}

// schemaOf names the features, unless LightGBM made the names up
// (Column_0, Column_1, ... for a model trained on an array): then the
// schema is positional.
func schemaOf(names []string, n int) scoring.Schema {
	if len(names) != n {
		return scoring.PositionalSchema(n)
	}
	for i, name := range names {
		if name != "Column_"+strconv.Itoa(i) {
			return scoring.NewSchema(names)
		}
	}
	return scoring.PositionalSchema(n)
}

// Schema returns the features the model reads.
func (m *Model) Schema() scoring.Schema { return m.schema }

// Version returns what /version answers: set by WithVersion, else
// "lightgbm-v<format version>".
func (m *Model) Version() string { return m.version }

// WithVersion returns a copy of m that reports version.
func (m *Model) WithVersion(version string) *Model {
	c := *m
	c.version = version
	return &c
}

// Objective returns the model's objective ("binary", "multiclass", ...).
func (m *Model) Objective() string { return m.objective }

// Predict scores every row of f: probabilities for binary (one per row)
// and multiclass (one list per row), the value for regression.
func (m *Model) Predict(ctx context.Context, f *scoring.Frame) (scoring.Predictions, error) {
	if err := ctx.Err(); err != nil {
		return scoring.Predictions{}, err
	}
	if f.Width != m.ens.NFeatures() {
		return scoring.Predictions{}, fmt.Errorf("frame has %d features, the model takes %d", f.Width, m.ens.NFeatures())
	}
	w := m.ens.NOutputGroups()
	out := scoring.Predictions{Width: w, Values: make([]float64, f.Rows*w)}
	if err := m.ens.PredictDense(f.Values, f.Rows, f.Width, out.Values, 0, 1); err != nil {
		return scoring.Predictions{}, fmt.Errorf("lightgbm predict: %w", err)
	}
	return out, nil
}
