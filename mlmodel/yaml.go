package mlmodel

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Bounds of an MLmodel file. MLflow writes a few kilobytes, nested four
// levels deep.
const (
	MaxSize  = 1 << 20
	maxDepth = 32
)

// value is a YAML value as plain Go data: map[string]value (with
// positions), []value, string, float64, int64, bool or nil.
type value struct {
	v    any
	line int
}

type object map[string]value

// parseYAML reads data into a tree of values, refusing what MLflow never
// writes: more than one document, anchors, aliases, tags, nesting past
// maxDepth, keys that are not plain scalars.
func parseYAML(data []byte) (value, error) {
	switch {
	case len(data) > MaxSize:
		return value{}, fmt.Errorf("larger than %d bytes", MaxSize)
	case !utf8.Valid(data):
		return value{}, errors.New("not valid UTF-8")
	}
	if d := flowDepth(data); d > maxDepth {
		return value{}, fmt.Errorf("brackets nest %d deep (at most %d)", d, maxDepth)
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return value{}, syntaxError(err)
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return value{}, errors.New("want one YAML document, a mapping")
	}
	return convert(f.Docs[0].Body, 0)
}

// flowDepth is the deepest nesting of [ and { in data, counted over every
// byte (quotes included): an upper bound that keeps the parser's
// recursion small.
func flowDepth(data []byte) int {
	depth, deepest := 0, 0
	for _, c := range data {
		switch c {
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return deepest
}

func lineOf(n ast.Node) int {
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Line
	}
	return 0
}

func convert(n ast.Node, depth int) (value, error) {
	line := lineOf(n)
	if depth > maxDepth {
		return value{}, fmt.Errorf("line %d: nested more than %d levels", line, maxDepth)
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		return convertMapping(v.Values, line, depth)
	case *ast.MappingValueNode:
		return convertMapping([]*ast.MappingValueNode{v}, line, depth)
	case *ast.SequenceNode:
		list := make([]value, 0, len(v.Values))
		for _, e := range v.Values {
			ev, err := convert(e, depth+1)
			if err != nil {
				return value{}, err
			}
			list = append(list, ev)
		}
		return value{list, line}, nil
	case *ast.StringNode:
		return value{v.Value, line}, nil
	case *ast.LiteralNode:
		return value{v.Value.Value, line}, nil
	case *ast.IntegerNode:
		i, err := strconv.ParseInt(v.GetToken().Value, 0, 64)
		if err != nil {
			return value{v.GetToken().Value, line}, nil
		}
		return value{i, line}, nil
	case *ast.FloatNode:
		return value{v.Value, line}, nil
	case *ast.BoolNode:
		return value{v.Value, line}, nil
	case *ast.NullNode:
		return value{nil, line}, nil
	case *ast.InfinityNode, *ast.NanNode:
		return value{n.GetToken().Value, line}, nil
	case *ast.AnchorNode, *ast.AliasNode:
		return value{}, fmt.Errorf("line %d: anchors and aliases are not read in MLmodel", line)
	case *ast.TagNode:
		return value{}, fmt.Errorf("line %d: tags (%s) are not read in MLmodel", line, v.Start.Value)
	}
	return value{}, fmt.Errorf("line %d: unexpected %s", line, n.Type())
}

func convertMapping(values []*ast.MappingValueNode, line, depth int) (value, error) {
	obj := make(object, len(values))
	for _, mv := range values {
		var key string
		switch k := mv.Key.(type) {
		case *ast.StringNode:
			key = k.Value
		case ast.ScalarNode:
			key = k.GetToken().Value
		default:
			return value{}, fmt.Errorf("line %d: a key must be a plain word, got %s", lineOf(mv.Key), mv.Key.Type())
		}
		if _, dup := obj[key]; dup {
			return value{}, fmt.Errorf("line %d: key %q is repeated", lineOf(mv.Key), key)
		}
		v, err := convert(mv.Value, depth+1)
		if err != nil {
			return value{}, err
		}
		obj[key] = v
	}
	return value{obj, line}, nil
}

// syntaxError is the parser's error on one line: "line N: yaml: message".
func syntaxError(err error) error {
	var se interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &se) && se.GetToken() != nil && se.GetToken().Position != nil {
		return fmt.Errorf("line %d: yaml: %s", se.GetToken().Position.Line, se.GetMessage())
	}
	return fmt.Errorf("yaml: %w", err)
}
