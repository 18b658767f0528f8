package registry

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/mlcd-dev/mlcd/internal/inputlimit"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// fileLimits bound a version file before the YAML parser reads it: mlcd
// writes a few hundred bytes, three levels deep, without aliases.
var fileLimits = inputlimit.Limits{MaxBytes: 1 << 20, MaxDepth: 16}

// Parse reads the version file name (models/<model>/v<N>.yaml, slash
// separated, relative to the repository root) and validates it. Every
// problem is a *pipeline.Error with the file, line and column, joined with
// errors.Join.
//
// Files in the canonical form that Marshal writes take a fast exact path;
// anything else (hand edits, comments, other quoting) is read by the full
// YAML parser, which gives the same Version or the problems with places.
func Parse(name string, data []byte) (*Version, error) {
	v, errs := parseFile(name, string(data))
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return v, nil
}

func parseFile(name string, data string) (*Version, []*pipeline.Error) {
	fn, ok := parseFileName(name)
	if !ok {
		return nil, []*pipeline.Error{{File: name, Msg: "not a version file: want " + Dir + "/<model>/v<N>.yaml"}}
	}
	if v, ok := parseFast(data, fn); ok {
		return v, nil
	}
	return parseYAML(name, data, fn)
}

// joinPlain joins errors, and returns the one error itself when alone.
func joinPlain(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

func joinErrors(errs []*pipeline.Error) error {
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// decoder builds a Version from the YAML tree and remembers where each key
// and value was, so that validation problems point at their line.
type decoder struct {
	file string
	v    *Version
	pos  map[string]*token.Position // by key path: "stage", "artifact.sha256"
	bad  map[string]bool            // top-level keys whose value did not decode
	// label names the value being decoded in messages: "version",
	// "artifact.size", "aliases[2]".
	label string
	errs  []*pipeline.Error
}

// parseYAML is the full path: any valid YAML, every problem with its place.
func parseYAML(name string, data string, fn fileName) (*Version, []*pipeline.Error) {
	d := newDecoder(name)
	if !d.decode(data) {
		return nil, d.errs
	}
	present := func(key string) bool { _, ok := d.pos[key]; return ok }
	for _, p := range validate(d.v, fn, present) {
		top, _, _ := strings.Cut(p.field, ".")
		if !d.bad[top] { // one message per bad value
			d.errs = append(d.errs, d.problemError(p))
		}
	}
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, compareErrors)
		return nil, d.errs
	}
	return d.v, nil
}

func newDecoder(name string) *decoder {
	return &decoder{file: name, v: &Version{}, pos: map[string]*token.Position{}, bad: map[string]bool{}}
}

// decode walks the YAML tree into d.v; false when there is no tree to walk.
func (d *decoder) decode(data string) bool {
	if e := inputlimit.YAML([]byte(data), fileLimits); e != nil {
		d.errs = append(d.errs, &pipeline.Error{File: d.file, Line: e.Line, Col: e.Col, Msg: e.Msg})
		return false
	}
	f, err := parser.ParseBytes([]byte(data), 0)
	if err != nil {
		d.errs = append(d.errs, d.syntaxError(err))
		return false
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		d.errs = append(d.errs, &pipeline.Error{File: d.file, Line: 1, Msg: "want one YAML document: a mapping of keys"})
		return false
	}
	root, ok := f.Docs[0].Body.(*ast.MappingNode)
	if !ok {
		d.fail(f.Docs[0].Body, "want a mapping of keys, got %s", kind(f.Docs[0].Body))
		return false
	}
	for _, mv := range root.Values {
		d.topLevel(mv)
	}
	return true
}

// errorAt makes msg an error at field of a file that parsed before: the
// full parser finds the field's place.
func errorAt(name, data, field, msg string) *pipeline.Error {
	d := newDecoder(name)
	d.decode(data)
	return d.problemError(problem{field: field, msg: msg})
}

func (d *decoder) syntaxError(err error) *pipeline.Error {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return &pipeline.Error{File: d.file, Line: p.Line, Col: p.Column, Msg: "yaml: " + ye.GetMessage()}
	}
	return &pipeline.Error{File: d.file, Msg: "yaml: " + err.Error()}
}

func (d *decoder) at(n ast.Node, format string, args ...any) *pipeline.Error {
	e := &pipeline.Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if p := posOf(n); p != nil {
		e.Line, e.Col = p.Line, p.Column
	}
	return e
}

// posOf is the place of a node's first token, or nil.
func posOf(n ast.Node) *token.Position {
	if n == nil {
		return nil
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Position
	}
	return nil
}

func (d *decoder) fail(n ast.Node, format string, args ...any) {
	d.errs = append(d.errs, d.at(n, format, args...))
}

// problemError places a validation problem at its field's value, or at its
// parent key, or at no line when the key is missing from the file.
func (d *decoder) problemError(p problem) *pipeline.Error {
	e := &pipeline.Error{File: d.file, Msg: p.msg}
	field := p.field
	for field != "" {
		if pos, ok := d.pos[field]; ok {
			if pos != nil {
				e.Line, e.Col = pos.Line, pos.Column
			}
			break
		}
		i := strings.LastIndexByte(field, '.')
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return e
}

func compareErrors(a, b *pipeline.Error) int {
	if c := strings.Compare(a.File, b.File); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return a.Line - b.Line
	}
	return a.Col - b.Col
}

// keyOf returns the text of a mapping key, and false for keys that are not
// plain or quoted strings.
func keyOf(mv *ast.MappingValueNode) (string, bool) {
	switch k := mv.Key.(type) {
	case *ast.StringNode:
		return k.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode:
		return k.GetToken().Value, true
	}
	return "", false
}

func (d *decoder) topLevel(mv *ast.MappingValueNode) {
	key, ok := keyOf(mv)
	if !ok {
		d.fail(mv.Key, "keys must be plain words, got %s", kind(mv.Key))
		return
	}
	d.label = key
	before := len(d.errs)
	defer func() { d.bad[key] = len(d.errs) > before }()
	d.pos[key] = valuePos(mv)
	if !d.checkNode(mv.Value) {
		return
	}
	v := d.v
	switch key {
	case "schema":
		v.Schema = d.integer(mv.Value)
	case "model":
		v.Model = d.str(mv.Value)
	case "version":
		v.Version = d.integer(mv.Value)
	case "stage":
		v.Stage = d.stage(mv.Value)
	case "aliases":
		v.Aliases = d.strList(mv.Value)
	case "description":
		v.Description = d.str(mv.Value)
	case "run":
		v.RunID = d.str(mv.Value)
	case "pipeline":
		v.Pipeline = d.str(mv.Value)
	case "task":
		v.Task = d.str(mv.Value)
	case "commit":
		v.Commit = d.str(mv.Value)
	case "artifact":
		d.artifact(mv.Value)
	case "flavor":
		v.Flavor = d.str(mv.Value)
	case "serve":
		v.Serve = d.str(mv.Value)
	case "input_example":
		v.InputExample = d.str(mv.Value)
	case "metrics":
		v.Metrics = d.metrics(mv.Value)
	case "params":
		v.Params = d.params(mv.Value)
	case "created":
		v.Created = d.time(mv.Value)
	default:
		delete(d.pos, key)
		d.fail(mv.Key, "unknown key %q%s", key, didYouMean(key, topKeys))
	}
}

// valuePos is where a key's value is: the scalar itself, or the key of a
// block mapping or list (whose first token is on a later line).
func valuePos(mv *ast.MappingValueNode) *token.Position {
	switch mv.Value.(type) {
	case *ast.MappingNode, *ast.SequenceNode:
		if !isFlow(mv.Value) {
			return posOf(mv.Key)
		}
	}
	return posOf(mv.Value)
}

func isFlow(n ast.Node) bool {
	switch x := n.(type) {
	case *ast.MappingNode:
		return x.IsFlowStyle
	case *ast.SequenceNode:
		return x.IsFlowStyle
	}
	return false
}

// checkNode refuses the YAML features a version file has no use for.
func (d *decoder) checkNode(n ast.Node) bool {
	switch n.(type) {
	case *ast.TagNode:
		d.fail(n, "%s: YAML tags are not allowed in a version file", d.label)
		return false
	case *ast.AnchorNode, *ast.AliasNode:
		d.fail(n, "%s: YAML anchors and aliases are not allowed in a version file", d.label)
		return false
	}
	return true
}

func kind(n ast.Node) string {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a float"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.NullNode:
		return "null"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return strings.ToLower(n.Type().String())
}

func (d *decoder) stage(n ast.Node) Stage {
	if _, ok := n.(*ast.NullNode); ok {
		d.fail(n, "stage is empty: want one of None, Staging, Production, Archived")
		return ""
	}
	s, ok := d.scalar(n)
	if !ok {
		return ""
	}
	st, err := ParseStage(s)
	if err != nil {
		d.fail(n, "%v", err)
	}
	return st
}

func (d *decoder) time(n ast.Node) time.Time {
	s, ok := d.scalar(n)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.fail(n, "created %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", s)
		return time.Time{}
	}
	return t.UTC()
}
