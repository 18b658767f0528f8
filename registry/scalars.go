package registry

import (
	"fmt"
	"math"

	"github.com/goccy/go-yaml/ast"

	"github.com/mlcd-dev/mlcd/internal/yamltree"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// str reads a string value; null reads as "".
func (d *decoder) str(n ast.Node) string {
	switch x := n.(type) {
	case *ast.StringNode:
		return x.Value
	case *ast.LiteralNode:
		return x.Value.Value
	case *ast.NullNode:
		return ""
	}
	d.fail(n, "%s: must be a string, got %s (quote it)", d.label, kind(n))
	return ""
}

// scalar reads a string that must be there: null and "" are refused.
func (d *decoder) scalar(n ast.Node) (string, bool) {
	if _, ok := n.(*ast.NullNode); ok {
		d.fail(n, "%s: must have a value, got null", d.label)
		return "", false
	}
	before := len(d.errs)
	s := d.str(n)
	if len(d.errs) > before {
		return "", false
	}
	return s, true
}

// integer reads a whole number that fits an int.
func (d *decoder) integer(n ast.Node) int {
	x, ok := n.(*ast.IntegerNode)
	if !ok {
		d.fail(n, "%s: must be an integer, got %s", d.label, kind(n))
		return 0
	}
	if i, ok := yamltree.Int32(x); ok {
		return i
	}
	d.fail(n, "%s: integer %s is out of range", d.label, x.Token.Value)
	return 0
}

// int64Of reads a whole number that fits an int64.
func (d *decoder) int64Of(n ast.Node) int64 {
	x, ok := n.(*ast.IntegerNode)
	if !ok {
		d.fail(n, "%s: must be an integer, got %s", d.label, kind(n))
		return 0
	}
	if i, ok := yamltree.Int64(x); ok {
		return i
	}
	d.fail(n, "%s: integer %s is out of range", d.label, x.Token.Value)
	return 0
}

// number reads a float; integers, .inf and .nan are numbers too.
func (d *decoder) number(n ast.Node) (float64, bool) {
	switch x := n.(type) {
	case *ast.FloatNode:
		return x.Value, true
	case *ast.InfinityNode:
		return x.Value, true
	case *ast.NanNode:
		return math.NaN(), true
	case *ast.IntegerNode:
		if i, ok := yamltree.Int64(x); ok {
			return float64(i), true
		}
		if u, ok := x.Value.(uint64); ok {
			return float64(u), true
		}
	}
	d.fail(n, "%s: must be a number, got %s", d.label, kind(n))
	return 0, false
}

// strList reads a list of strings; null reads as an empty list.
func (d *decoder) strList(n ast.Node) []string {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.fail(n, "%s: must be a list of strings, got %s", d.label, kind(n))
		return nil
	}
	var out []string
	label := d.label
	for i, item := range seq.Values {
		d.label = fmt.Sprintf("%s[%d]", label, i)
		if !d.checkNode(item) {
			continue
		}
		if s, ok := d.scalar(item); ok {
			d.pos[fmt.Sprintf("%s.%d", label, len(out))] = placeOf(item)
			out = append(out, s)
		}
	}
	return out
}

// mapping returns the entries of a mapping value; null is an empty one.
func (d *decoder) mapping(n ast.Node) []*ast.MappingValueNode {
	switch x := n.(type) {
	case *ast.NullNode:
		return nil
	case *ast.MappingNode:
		return x.Values
	}
	d.fail(n, "%s: must be a mapping, got %s", d.label, kind(n))
	return nil
}

// entries walks the mapping under the top-level key parent, giving each
// well-formed key and value to fn with d.label set to "parent.key".
func (d *decoder) entries(n ast.Node, parent string, fn func(key string, mv *ast.MappingValueNode)) {
	for _, mv := range d.mapping(n) {
		key, ok := keyOf(mv)
		d.label = parent + "." + key
		switch {
		case !ok:
			d.fail(mv.Key, "%s: keys must be plain words, got %s", parent, kind(mv.Key))
		case key == "":
			d.fail(mv.Key, "%s: names must not be empty", parent)
		case d.checkNode(mv.Value):
			fn(key, mv)
		}
	}
}

func (d *decoder) artifact(n ast.Node, a *Artifact) {
	d.entries(n, "artifact", func(key string, mv *ast.MappingValueNode) {
		i := fieldIndex(artifactFields, key)
		if i < 0 {
			d.fail(mv.Key, "unknown key %q in artifact%s", key, didYouMean(key, artifactKeys))
			return
		}
		d.pos["artifact."+key] = placeOf(mv.Value)
		d.value(mv.Value, artifactFields[i].at(a))
	})
}

func (d *decoder) metrics(n ast.Node) map[string]float64 {
	m := map[string]float64{}
	d.entries(n, "metrics", func(key string, mv *ast.MappingValueNode) {
		d.pos["metrics."+key] = placeOf(mv.Value)
		if f, ok := d.number(mv.Value); ok {
			m[key] = f
		}
	})
	if len(m) == 0 {
		return nil
	}
	return m
}

func (d *decoder) params(n ast.Node) pipeline.Params {
	p := pipeline.Params{}
	d.entries(n, "params", func(key string, mv *ast.MappingValueNode) {
		d.pos["params."+key] = placeOf(mv.Value)
		switch x := mv.Value.(type) {
		case *ast.BoolNode:
			p[key] = x.Value
		case *ast.IntegerNode:
			p[key] = d.int64Of(x)
		case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
			p[key], _ = d.number(x)
		case *ast.StringNode, *ast.LiteralNode:
			p[key] = d.str(x)
		default:
			d.fail(mv.Value, "%s: must be a string, number or boolean, got %s", d.label, kind(mv.Value))
		}
	})
	if len(p) == 0 {
		return nil
	}
	return p
}
