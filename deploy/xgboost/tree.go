package xgboost

import (
	"errors"
	"fmt"
)

// node is one tree node, 16 bytes. A leaf has left < 0 and its value in
// cond; a split sends a row left when row[feature] < cond, and a missing
// value left when defaultLeft.
type node struct {
	cond    float32
	feature uint32 // feature index; the top bit is "default left"
	left    int32
	right   int32
}

const defaultLeftBit = 1 << 31

type tree struct{ nodes []node }

func newTree(t *treeJSON, numFeature int) (tree, error) {
	n := len(t.LeftChildren)
	if n == 0 {
		return tree{}, errors.New("no nodes")
	}
	if len(t.RightChildren) != n || len(t.SplitIndices) != n || len(t.SplitConditions) != n || len(t.DefaultLeft) != n {
		return tree{}, errors.New("node arrays differ in length")
	}
	nodes := make([]node, n)
	for i := range nodes {
		l, r := t.LeftChildren[i], t.RightChildren[i]
		if l == -1 {
			nodes[i] = node{cond: t.SplitConditions[i], left: -1, right: -1}
			continue
		}
		// Children come after their parent in XGBoost's node order; the
		// check also rules out cycles.
		if l <= int32(i) || r <= int32(i) || int(l) >= n || int(r) >= n {
			return tree{}, fmt.Errorf("node %d: children %d and %d out of order", i, l, r)
		}
		if i < len(t.SplitType) && t.SplitType[i] != 0 {
			return tree{}, fmt.Errorf("%w: categorical split at node %d", ErrUnsupported, i)
		}
		f := t.SplitIndices[i]
		if f < 0 || f >= int64(numFeature) {
			return tree{}, fmt.Errorf("node %d: split on feature %d, but the model has %d", i, f, numFeature)
		}
		nd := node{cond: t.SplitConditions[i], feature: uint32(f), left: l, right: r}
		if t.DefaultLeft[i] != 0 {
			nd.feature |= defaultLeftBit
		}
		nodes[i] = nd
	}
	return tree{nodes: nodes}, nil
}

// leaf walks row down the tree and returns the leaf's value.
func (t *tree) leaf(row []float32) float32 {
	nodes := t.nodes
	i := int32(0)
	for {
		n := &nodes[i]
		if n.left < 0 {
			return n.cond
		}
		v := row[n.feature&^defaultLeftBit]
		switch {
		case isNaN32(v):
			if n.feature&defaultLeftBit != 0 {
				i = n.left
			} else {
				i = n.right
			}
		case v < n.cond:
			i = n.left
		default:
			i = n.right
		}
	}
}
