package yamltree

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit"
)

// Parse checks data against lim before the parser reads it, then parses
// it with opts. A file over a limit, or one that is not YAML, comes back as
// a *diag.Error of file at the problem's place (its message starts with
// "yaml: " for a syntax error).
func Parse(file string, data []byte, lim inputlimit.Limits, opts ...parser.Option) (*ast.File, *diag.Error) {
	if e := inputlimit.YAML(data, lim); e != nil {
		return nil, &diag.Error{File: file, Line: e.Line, Col: e.Col, Msg: e.Msg}
	}
	f, err := parser.ParseBytes(data, 0, opts...)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	return f, nil
}

// syntaxError places the parser's error at its token when it has one.
func syntaxError(file string, err error) *diag.Error {
	var se interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &se) && se.GetToken() != nil && se.GetToken().Position != nil {
		pos := se.GetToken().Position
		return &diag.Error{File: file, Line: pos.Line, Col: pos.Column, Msg: "yaml: " + se.GetMessage()}
	}
	return &diag.Error{File: file, Msg: "yaml: " + err.Error()}
}

// Pos is the place of n's own token: a scalar where it is written, a flow
// collection at its bracket. It is 0, 0 for nil or a node without one.
func Pos(n ast.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// Start is where a reader sees n begin: a block mapping at its first key,
// a "key: value" entry at its key, a document at its body, anything else
// at its token.
func Start(n ast.Node) (line, col int) {
	switch v := n.(type) {
	case nil:
		return 0, 0
	case *ast.MappingNode:
		if len(v.Values) > 0 {
			return Start(v.Values[0])
		}
	case *ast.MappingValueNode:
		return Start(v.Key)
	case *ast.DocumentNode:
		return Start(v.Body)
	}
	return Pos(n)
}

// ErrorAt is the problem msg (formatted with args) at n's token in file.
func ErrorAt(file string, n ast.Node, format string, args ...any) *diag.Error {
	line, col := Pos(n)
	return &diag.Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// Kinds are the words a format's messages use for the types of nodes, as
// in "must be a string, got a list".
type Kinds struct {
	String, Integer, Float, Bool, Null, Nothing, Mapping, List string
	// LowerOther writes the names of other nodes (tags, anchors) in lower
	// case; otherwise as goccy/go-yaml spells them.
	LowerOther bool
}

var (
	// Plain are mlcd.yaml's words: "must be a mapping, got list".
	Plain = Kinds{String: "string", Integer: "integer", Float: "number", Bool: "boolean",
		Null: "nothing", Nothing: "nothing", Mapping: "mapping", List: "list"}
	// Articled are the words of the files mlcd writes (version files,
	// deployment records): "must be an integer, got a string".
	Articled = Kinds{String: "a string", Integer: "an integer", Float: "a float", Bool: "a boolean",
		Null: "null", Nothing: "nothing", Mapping: "a mapping", List: "a list", LowerOther: true}
)

// Of names n's type; Nothing is the word for no node at all.
func (k Kinds) Of(n ast.Node) string {
	switch n.(type) {
	case nil:
		return k.Nothing
	case *ast.StringNode, *ast.LiteralNode:
		return k.String
	case *ast.IntegerNode:
		return k.Integer
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return k.Float
	case *ast.BoolNode:
		return k.Bool
	case *ast.NullNode:
		return k.Null
	case *ast.MappingNode:
		return k.Mapping
	case *ast.SequenceNode:
		return k.List
	}
	if k.LowerOther {
		return strings.ToLower(n.Type().String())
	}
	return n.Type().String()
}

// Int64 is an integer node's value when it fits an int64.
func Int64(x *ast.IntegerNode) (int64, bool) {
	switch i := x.Value.(type) {
	case int64:
		return i, true
	case uint64:
		if i <= math.MaxInt64 {
			return int64(i), true
		}
	}
	return 0, false
}

// Int32 is an integer node's value when it fits an int32, the range of
// the counts and numbers mlcd's files hold on every platform.
func Int32(x *ast.IntegerNode) (int, bool) {
	i, ok := Int64(x)
	if !ok || i < math.MinInt32 || i > math.MaxInt32 {
		return 0, false
	}
	return int(i), true
}
