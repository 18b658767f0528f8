package registry

import (
	"errors"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit"
	"github.com/mlcd-dev/mlcd/internal/yamltree"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// fileLimits bound a version file before the YAML parser reads it: mlcd
// writes a few hundred bytes, three levels deep, without aliases.
var fileLimits = inputlimit.Limits{MaxBytes: 1 << 20, MaxDepth: 16}

// Parse reads the version file name (models/<model>/v<N>.yaml, slash
// separated, relative to the repository root) and validates it. Every
// problem is a *diag.Error with the file, line and column, joined with
// errors.Join.
//
// Files in the canonical form that Marshal writes take a fast exact path;
// anything else (hand edits, comments, other quoting) is read by the full
// YAML parser, which gives the same Version or the problems with places.
func Parse(name string, data []byte) (*Version, error) {
	v, errs := parseFile(name, string(data))
	if len(errs) > 0 {
		return nil, diag.Join(errs)
	}
	return v, nil
}

func parseFile(name string, data string) (*Version, []*diag.Error) {
	fn, ok := parseFileName(name)
	if !ok {
		return nil, []*diag.Error{{File: name, Msg: "not a version file: want " + Dir + "/<model>/v<N>.yaml"}}
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

// decoder builds a Version from the YAML tree and remembers where each key
// and value was, so that validation problems point at their line.
type decoder struct {
	file string
	v    *Version
	pos  map[string]place // by key path: "stage", "artifact.sha256"
	bad  map[string]bool  // top-level keys whose value did not decode
	// label names the value being decoded in messages: "version",
	// "artifact.size", "aliases[2]".
	label string
	errs  []*diag.Error
}

// parseYAML is the full path: any valid YAML, every problem with its place.
func parseYAML(name string, data string, fn fileName) (*Version, []*diag.Error) {
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
		diag.Sort(d.errs)
		return nil, d.errs
	}
	return d.v, nil
}

func newDecoder(name string) *decoder {
	return &decoder{file: name, v: &Version{}, pos: map[string]place{}, bad: map[string]bool{}}
}

// decode walks the YAML tree into d.v; false when there is no tree to walk.
func (d *decoder) decode(data string) bool {
	f, perr := yamltree.Parse(d.file, []byte(data), fileLimits)
	if perr != nil {
		d.errs = append(d.errs, perr)
		return false
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		d.errs = append(d.errs, &diag.Error{File: d.file, Line: 1, Msg: "want one YAML document: a mapping of keys"})
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
func errorAt(name, data, field, msg string) *diag.Error {
	d := newDecoder(name)
	d.decode(data)
	return d.problemError(problem{field: field, msg: msg})
}

func (d *decoder) fail(n ast.Node, format string, args ...any) {
	d.errs = append(d.errs, yamltree.ErrorAt(d.file, n, format, args...))
}

// problemError places a validation problem at its field's value, or at its
// parent key, or at no line when the key is missing from the file.
func (d *decoder) problemError(p problem) *diag.Error {
	e := &diag.Error{File: d.file, Msg: p.msg}
	field := p.field
	for field != "" {
		if pos, ok := d.pos[field]; ok {
			e.Line, e.Col = pos.line, pos.col
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
	i := fieldIndex(versionFields, key)
	if i < 0 {
		delete(d.pos, key)
		d.fail(mv.Key, "unknown key %q%s", key, didYouMean(key, topKeys))
		return
	}
	d.value(mv.Value, versionFields[i].at(d.v))
}

// value decodes n into p, a pointer from the tables in fields.go.
func (d *decoder) value(n ast.Node, p any) {
	switch x := p.(type) {
	case *int:
		*x = d.integer(n)
	case *int64:
		*x = d.int64Of(n)
	case *string:
		*x = d.str(n)
	case *Stage:
		*x = d.stage(n)
	case *[]string:
		*x = d.strList(n)
	case *time.Time:
		*x = d.time(n)
	case *Artifact:
		d.artifact(n, x)
	case *map[string]float64:
		*x = d.metrics(n)
	case *pipeline.Params:
		*x = d.params(n)
	}
}

// place is where a key's value is in the file (0, 0: nowhere).
type place struct{ line, col int }

// placeOf is the place of n's token.
func placeOf(n ast.Node) place {
	line, col := yamltree.Pos(n)
	return place{line, col}
}

// valuePos is where a key's value is: the scalar itself, or the key of a
// block mapping or list (whose first token is on a later line).
func valuePos(mv *ast.MappingValueNode) place {
	switch mv.Value.(type) {
	case *ast.MappingNode, *ast.SequenceNode:
		if !isFlow(mv.Value) {
			return placeOf(mv.Key)
		}
	}
	return placeOf(mv.Value)
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

func kind(n ast.Node) string { return yamltree.Articled.Of(n) }

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
