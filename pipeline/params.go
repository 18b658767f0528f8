package pipeline

import (
	"fmt"
	"maps"
	"strings"

	"github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/mlcd-dev/mlcd/internal/inputlimit"
	"github.com/mlcd-dev/mlcd/internal/yamltree"
)

// ParseParam reads a --param KEY=VALUE. VALUE is read as a YAML scalar:
// 200 is an int64, 0.1 a float64, true a bool, '200' (quoted) and anything
// else a string.
func ParseParam(kv string) (key string, value any, err error) {
	key, raw, ok := strings.Cut(kv, "=")
	if !ok {
		return "", nil, fmt.Errorf("param %q: use KEY=VALUE", kv)
	}
	if err := checkParamName(key); err != nil {
		return "", nil, fmt.Errorf("param %q: %w", kv, err)
	}
	return key, paramValue(raw), nil
}

func paramValue(s string) any {
	if inputlimit.YAML([]byte(s), inputlimit.Limits{MaxAliases: 0}) != nil {
		return s // not a scalar, whatever it is
	}
	f, err := yamlparser.ParseBytes([]byte(s), 0)
	if err != nil || len(f.Docs) != 1 || f.Docs[0] == nil {
		return s
	}
	switch n := f.Docs[0].Body.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		if v, ok := scalarValue(n); ok {
			return v
		}
	case *ast.StringNode:
		quoted := n.Token.Type == token.SingleQuoteType || n.Token.Type == token.DoubleQuoteType
		if quoted && strings.HasSuffix(strings.TrimSpace(s), n.Token.Origin[len(n.Token.Origin)-1:]) {
			return n.Value
		}
	}
	return s
}

// scalarValue is the Go value of a param in mlcd.yaml: string, int64,
// float64 or bool; anything else (lists, null, infinities) is refused.
func scalarValue(n ast.Node) (any, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode:
		return yamltree.Int64(v)
	case *ast.FloatNode:
		return v.Value, true
	case *ast.BoolNode:
		return v.Value, true
	}
	return nil, false
}

// Merge returns a new Params with p's values overridden by over's (the
// file's params, then --param flags). Go ints become int64 and float32s
// float64, so that numbers are always int64 or float64.
func (p Params) Merge(over Params) Params {
	out := make(Params, len(p)+len(over))
	maps.Copy(out, p)
	maps.Copy(out, over)
	for k, v := range out {
		switch x := v.(type) {
		case int:
			out[k] = int64(x)
		case int32:
			out[k] = int64(x)
		case float32:
			out[k] = float64(x)
		}
	}
	return out
}
