package xgboost

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// XGBoost's binary model format (save_model to a name other than .json or
// .ubj), as XGBoost 1.x writes it: "binf", then C structs, little-endian.
// It carries no feature names, so a model read from it has a positional
// schema.
const (
	learnerParamSize = 136 // LearnerModelParamLegacy
	gbtreeParamSize  = 160 // GBTreeModelParam
	treeParamSize    = 148 // TreeParam
	nodeSize         = 20  // RegTree::Node
	nodeStatSize     = 16  // RTreeNodeStat
	deletedNode      = math.MaxUint32
)

type legacyReader struct {
	b   []byte
	pos int
}

var errLegacyTruncated = errors.New("binary model: unexpected end of file")

func (r *legacyReader) take(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.pos < n {
		return nil, errLegacyTruncated
	}
	s := r.b[r.pos : r.pos+n]
	r.pos += n
	return s, nil
}

func (r *legacyReader) str() (string, error) {
	n, err := r.take(8)
	if err != nil {
		return "", err
	}
	size := binary.LittleEndian.Uint64(n)
	if size > uint64(len(r.b)-r.pos) {
		return "", errLegacyTruncated
	}
	s, err := r.take(int(size))
	return string(s), err
}

func i32(b []byte, off int) int32 { return int32(binary.LittleEndian.Uint32(b[off:])) }

// decodeLegacy reads a binary model into the same wire structs as JSON.
func decodeLegacy(data []byte) (*modelFile, error) {
	r := &legacyReader{b: data, pos: 4} // past "binf"
	p, err := r.take(learnerParamSize)
	if err != nil {
		return nil, err
	}
	base := math.Float32frombits(binary.LittleEndian.Uint32(p))
	l := &learnerJSON{ModelParam: modelParamJSON{
		BaseScore:  strconv.FormatFloat(float64(base), 'g', -1, 32),
		NumFeature: strconv.FormatUint(uint64(binary.LittleEndian.Uint32(p[4:])), 10),
		NumClass:   strconv.Itoa(int(i32(p, 8))),
		NumTarget:  strconv.Itoa(int(max(i32(p, 28), 1))),
	}}
	version := []int{int(i32(p, 20)), int(i32(p, 24))}
	if l.Objective.Name, err = r.str(); err != nil {
		return nil, err
	}
	if l.GradientBooster.Name, err = r.str(); err != nil {
		return nil, err
	}
	switch l.GradientBooster.Name {
	case "gbtree":
		l.GradientBooster.Model, err = r.gbtree()
	case "dart":
		inner := &boosterJSON{Name: "gbtree"}
		if inner.Model, err = r.gbtree(); err == nil {
			l.GradientBooster.GBTree = inner
			l.GradientBooster.WeightDrop, err = r.floats()
		}
	default:
		return nil, fmt.Errorf("%w: booster %q", ErrUnsupported, l.GradientBooster.Name)
	}
	if err != nil {
		return nil, err
	}
	return &modelFile{Learner: l, Version: version}, nil
}

func (r *legacyReader) gbtree() (*gbtreeJSON, error) {
	p, err := r.take(gbtreeParamSize)
	if err != nil {
		return nil, err
	}
	numTrees := int(i32(p, 0))
	if numTrees < 0 || numTrees > (len(r.b)-r.pos)/treeParamSize {
		return nil, fmt.Errorf("binary model: %d trees do not fit in the file", numTrees)
	}
	g := &gbtreeJSON{Trees: make([]treeJSON, numTrees), TreeInfo: make([]int, numTrees)}
	for i := range g.Trees {
		if err := r.tree(&g.Trees[i]); err != nil {
			return nil, fmt.Errorf("binary model: tree %d: %w", i, err)
		}
	}
	info, err := r.take(4 * numTrees)
	if err != nil {
		return nil, err
	}
	for i := range g.TreeInfo {
		g.TreeInfo[i] = int(i32(info, 4*i))
	}
	return g, nil
}

func (r *legacyReader) tree(t *treeJSON) error {
	p, err := r.take(treeParamSize)
	if err != nil {
		return err
	}
	n := int(i32(p, 4))
	if n <= 0 || n > (len(r.b)-r.pos)/(nodeSize+nodeStatSize) {
		return fmt.Errorf("%d nodes do not fit in the file", n)
	}
	nodes, err := r.take(n * nodeSize)
	if err != nil {
		return err
	}
	if _, err := r.take(n * nodeStatSize); err != nil {
		return err
	}
	t.LeftChildren, t.RightChildren = make([]int32, n), make([]int32, n)
	t.SplitIndices, t.SplitConditions = make([]int64, n), make([]float32, n)
	t.DefaultLeft = make([]int, n)
	for i := range n {
		b := nodes[i*nodeSize:]
		sindex := binary.LittleEndian.Uint32(b[12:])
		t.LeftChildren[i], t.RightChildren[i] = i32(b, 4), i32(b, 8)
		t.SplitConditions[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[16:]))
		if sindex == deletedNode { // unreachable; keep it a leaf
			t.LeftChildren[i], t.RightChildren[i] = -1, -1
			continue
		}
		t.SplitIndices[i] = int64(sindex &^ defaultLeftBit)
		if sindex&defaultLeftBit != 0 {
			t.DefaultLeft[i] = 1
		}
	}
	return nil
}

// floats reads a std::vector<float>: a uint64 count, then the values.
func (r *legacyReader) floats() ([]float32, error) {
	n, err := r.take(8)
	if err != nil {
		return nil, err
	}
	count := binary.LittleEndian.Uint64(n)
	if count > uint64(len(r.b)-r.pos)/4 {
		return nil, errLegacyTruncated
	}
	b, err := r.take(int(count) * 4)
	if err != nil {
		return nil, err
	}
	out := make([]float32, count)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}
