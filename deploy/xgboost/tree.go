package xgboost

import (
	"errors"
	"fmt"
)

// node is one tree node, 12 bytes. A leaf has left < 0 and its value in
// cond. A split sends a row to left when row[feature] < cond, else to
// left+1 (siblings are adjacent, which newTree guarantees); a missing value
// goes left when the default-left bit is set.
type node struct {
	cond    float32
	feature uint32 // feature index; the top bit is "default left"
	left    int32
}

const defaultLeftBit = 1 << 31

type tree struct{ nodes []node }

// newTree checks a tree's arrays and lays its nodes out breadth-first with
// each node's two children side by side.
func newTree(t *treeJSON, numFeature int) (tree, error) {
	n := len(t.LeftChildren)
	if n == 0 {
		return tree{}, errors.New("no nodes")
	}
	if len(t.RightChildren) != n || len(t.SplitIndices) != n || len(t.SplitConditions) != n || len(t.DefaultLeft) != n {
		return tree{}, errors.New("node arrays differ in length")
	}
	nodes := make([]node, 0, n)
	order := make([]int32, 1, n) // order[new index] = old index
	seen := make([]bool, n)
	for k := 0; k < len(order); k++ {
		i := order[k]
		l, r := t.LeftChildren[i], t.RightChildren[i]
		if l == -1 {
			nodes = append(nodes, node{cond: t.SplitConditions[i], left: -1})
			continue
		}
		if err := checkSplit(t, int(i), numFeature); err != nil {
			return tree{}, err
		}
		nd := node{cond: t.SplitConditions[i], feature: uint32(t.SplitIndices[i]), left: int32(len(order))}
		if t.DefaultLeft[i] != 0 {
			nd.feature |= defaultLeftBit
		}
		nodes = append(nodes, nd)
		if seen[l] || seen[r] {
			return tree{}, fmt.Errorf("node %d: a child has two parents", i)
		}
		seen[l], seen[r] = true, true
		order = append(order, l, r)
	}
	return tree{nodes: nodes}, nil
}

// checkSplit validates split node i. Children must come after their parent
// (XGBoost numbers them so), which also rules out cycles and sharing.
func checkSplit(t *treeJSON, i, numFeature int) error {
	l, r, n := int(t.LeftChildren[i]), int(t.RightChildren[i]), len(t.LeftChildren)
	if l <= i || r <= i || l >= n || r >= n || l == r {
		return fmt.Errorf("node %d: children %d and %d out of order", i, l, r)
	}
	if i < len(t.SplitType) && t.SplitType[i] != 0 {
		return fmt.Errorf("%w: categorical split at node %d", ErrUnsupported, i)
	}
	if f := t.SplitIndices[i]; f < 0 || f >= int64(numFeature) {
		return fmt.Errorf("node %d: split on feature %d, but the model has %d", i, f, numFeature)
	}
	return nil
}

// leaf walks row down the tree and returns the leaf's value. The step is
// written so that the compiler emits conditional moves, not branches: rows
// take unpredictable paths, and a mispredicted branch per level costs more
// than the arithmetic.
func (t *tree) leaf(row []float32) float32 {
	nodes := t.nodes
	n := &nodes[0]
	for n.left >= 0 {
		v := row[n.feature&^defaultLeftBit]
		right := int32(0)
		if !(v < n.cond) {
			right = 1
		}
		missRight := int32(1 - n.feature>>31)
		if v != v { // missing: the default direction
			right = missRight
		}
		n = &nodes[n.left+right]
	}
	return n.cond
}
