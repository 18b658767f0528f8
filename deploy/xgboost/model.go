package xgboost

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/mlcd-dev/mlcd/deploy/scoring"
)

// Model is a loaded XGBoost tree ensemble. It is safe for concurrent use.
type Model struct {
	objective  string
	numGroup   int     // output groups: classes for multi-class, else 1
	numFeature int     //
	base       float32 // the base margin every group starts from
	trees      []tree
	group      []int32   // tree -> output group
	weight     []float32 // dart's tree weights; nil for gbtree
	schema     scoring.Schema
	out        output
	version    string
}

// Limits that keep a corrupt file from allocating without bound.
const (
	maxFeatures = 1 << 20
	maxGroups   = 1 << 14
)

// Load reads a model file that XGBoost's save_model wrote: JSON, UBJSON or
// XGBoost 1.x's binary format, told apart by content, not by name. The
// binary format has no feature names: its schema is positional.
func Load(ctx context.Context, path string) (*Model, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load xgboost model: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("load xgboost model %s: %w", path, err)
	}
	return m, nil
}

// Parse reads a model from the bytes of a model file (see Load).
func Parse(data []byte) (*Model, error) {
	f, _, err := decodeFile(data)
	if err != nil {
		return nil, err
	}
	return build(f)
}

func build(f *modelFile) (*Model, error) {
	l := f.Learner
	m := &Model{objective: l.Objective.Name, version: versionString(f.Version)}
	var err error
	if m.numFeature, err = paramInt("num_feature", l.ModelParam.NumFeature, 0); err != nil {
		return nil, err
	}
	numClass, err := paramInt("num_class", l.ModelParam.NumClass, 0)
	if err != nil {
		return nil, err
	}
	numTarget, err := paramInt("num_target", l.ModelParam.NumTarget, 1)
	if err != nil {
		return nil, err
	}
	m.numGroup = max(numClass, numTarget, 1)
	if m.numFeature > maxFeatures || m.numGroup > maxGroups {
		return nil, fmt.Errorf("%w: %d features and %d outputs (limits %d and %d)",
			ErrUnsupported, m.numFeature, m.numGroup, maxFeatures, maxGroups)
	}
	if err := m.setObjective(l.ModelParam.BaseScore); err != nil {
		return nil, err
	}
	if err := m.setSchema(l.FeatureNames, l.FeatureTypes); err != nil {
		return nil, err
	}
	if err := m.setTrees(&l.GradientBooster); err != nil {
		return nil, err
	}
	return m, nil
}

func versionString(v []int) string {
	if len(v) == 0 {
		return "xgboost"
	}
	s := "xgboost-"
	for i, n := range v {
		if i > 0 {
			s += "."
		}
		s += strconv.Itoa(n)
	}
	return s
}

func (m *Model) setSchema(names, types []string) error {
	for _, t := range types {
		if t == "c" {
			return fmt.Errorf("%w: categorical features", ErrUnsupported)
		}
	}
	if len(names) == 0 {
		m.schema = scoring.PositionalSchema(m.numFeature)
		return nil
	}
	if len(names) != m.numFeature {
		return fmt.Errorf("model has %d feature names for %d features", len(names), m.numFeature)
	}
	m.schema = scoring.NewSchema(names)
	return nil
}

func (m *Model) setTrees(b *boosterJSON) error {
	switch b.Name {
	case "gbtree":
	case "dart":
		if b.GBTree == nil {
			return fmt.Errorf("dart booster without its gbtree")
		}
		m.weight = b.WeightDrop
		b = b.GBTree
	case "":
		return fmt.Errorf("model has no gradient_booster.name")
	default:
		return fmt.Errorf("%w: booster %q (only gbtree and dart)", ErrUnsupported, b.Name)
	}
	if b.Model == nil {
		return fmt.Errorf("booster has no model")
	}
	g := b.Model
	if len(g.TreeInfo) != len(g.Trees) {
		return fmt.Errorf("tree_info has %d entries for %d trees", len(g.TreeInfo), len(g.Trees))
	}
	if m.weight != nil && len(m.weight) != len(g.Trees) {
		return fmt.Errorf("dart weight_drop has %d entries for %d trees", len(m.weight), len(g.Trees))
	}
	m.trees = make([]tree, len(g.Trees))
	m.group = make([]int32, len(g.Trees))
	for i := range g.Trees {
		if g.TreeInfo[i] < 0 || g.TreeInfo[i] >= m.numGroup {
			return fmt.Errorf("tree %d: output group %d, but the model has %d", i, g.TreeInfo[i], m.numGroup)
		}
		m.group[i] = int32(g.TreeInfo[i])
		t, err := newTree(&g.Trees[i], m.numFeature)
		if err != nil {
			return fmt.Errorf("tree %d: %w", i, err)
		}
		m.trees[i] = t
	}
	return nil
}

// Schema returns the features the model reads: its feature_names, or a
// positional schema of num_feature columns when it was trained without.
func (m *Model) Schema() scoring.Schema { return m.schema }

// Version returns what /version answers: set by WithVersion, else the
// XGBoost version that wrote the file ("xgboost-1.7.4").
func (m *Model) Version() string { return m.version }

// WithVersion returns a copy of m that reports version.
func (m *Model) WithVersion(version string) *Model {
	c := *m
	c.version = version
	return &c
}

// Objective returns the objective the model was trained with.
func (m *Model) Objective() string { return m.objective }

// NumTrees returns the number of trees.
func (m *Model) NumTrees() int { return len(m.trees) }

// Predict scores every row of f as the booster's predict does: transformed
// by the objective (probabilities for binary:logistic, one probability per
// class for multi:softprob).
func (m *Model) Predict(ctx context.Context, f *scoring.Frame) (scoring.Predictions, error) {
	if f.Width != m.numFeature {
		return scoring.Predictions{}, fmt.Errorf("frame has %d features, the model takes %d", f.Width, m.numFeature)
	}
	width := m.out.width(m.numGroup)
	out := scoring.Predictions{Width: width, Values: make([]float64, f.Rows*width)}
	var stack [64]float32
	buf := stack[:]
	if m.numFeature+m.numGroup > len(stack) {
		buf = make([]float32, m.numFeature+m.numGroup)
	}
	row, margin := buf[:m.numFeature], buf[m.numFeature:m.numFeature+m.numGroup]
	for r := range f.Rows {
		if r%1024 == 1023 && ctx.Err() != nil {
			return scoring.Predictions{}, ctx.Err()
		}
		for i, v := range f.Row(r) {
			row[i] = float32(v)
		}
		m.margins(row, margin)
		m.out.transform(margin, out.Values[r*width:(r+1)*width])
	}
	return out, nil
}

// margins sums the trees of each output group onto the base margin, in
// float32 and in tree order, as XGBoost's CPU predictor does.
func (m *Model) margins(row, margin []float32) {
	for g := range margin {
		margin[g] = m.base
	}
	for i := range m.trees {
		v := m.trees[i].leaf(row)
		if m.weight != nil {
			v *= m.weight[i]
		}
		margin[m.group[i]] += v
	}
}

var _ scoring.Predictor = (*Model)(nil)

// float32 helpers used by the objectives.
func exp32(x float32) float32 { return float32(math.Exp(float64(x))) }
