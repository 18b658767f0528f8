package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit"
	"github.com/mlcd-dev/mlcd/internal/yamltree"
)

// fileLimits bound an mlcd.yaml before it is parsed: a pipeline is a few
// hundred lines, and aliases (for shared settings) are few.
var fileLimits = inputlimit.Limits{MaxBytes: 256 << 10, MaxDepth: inputlimit.DefaultMaxDepth, MaxAliases: 100}

// Load reads and validates dir/mlcd.yaml. Problems in the file come back as
// *diag.Error values joined with errors.Join; a missing file is a *diag.Error that
// also matches fs.ErrNotExist.
func Load(dir string) (*Pipeline, error) {
	file := filepath.Join(dir, FileName)
	data, err := readInside(dir, FileName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &notFoundError{err: &diag.Error{File: file, Msg: "not found: an mlcd repository has its pipeline in mlcd.yaml at its root"}}
	}
	if err != nil {
		return nil, fmt.Errorf("read pipeline: %w", err)
	}
	return Parse(file, data)
}

// readInside reads the file name of the folder dir, refusing a symlink
// that leads outside dir: an mlcd.yaml linked to /proc/self/environ must
// not put mlcd's environment into an error message.
func readInside(dir, name string) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(name)
}

// notFoundError is the *diag.Error of a missing mlcd.yaml; it also matches
// fs.ErrNotExist so that callers can tell "no pipeline here" apart.
type notFoundError struct{ err *diag.Error }

func (e *notFoundError) Error() string   { return e.err.Error() }
func (e *notFoundError) Unwrap() []error { return []error{e.err, fs.ErrNotExist} }

// Parse reads an mlcd.yaml. file is the name used in messages. It returns
// every problem at once: *diag.Error values sorted by line and column, joined
// with errors.Join. On error the Pipeline is nil.
func Parse(file string, data []byte) (*Pipeline, error) {
	p := &parser{file: file}
	pl := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.joined()
	}
	return pl, nil
}

// parser walks goccy/go-yaml's AST and collects every problem with its place.
type parser struct {
	file    string
	anchors map[string]ast.Node
	places  []*taskPlace
	errs    []*diag.Error
	ports   []field // deploy.ports entries, checked against the tasks' models
}

// field is one "key: value" of a mapping, with aliases resolved.
type field struct {
	key   string
	node  ast.Node // the key, for messages about the entry
	value ast.Node
}

func (p *parser) joined() error {
	diag.Sort(p.errs)
	return diag.Join(p.errs)
}

func (p *parser) errorf(n ast.Node, format string, args ...any) {
	line, col := position(n)
	p.errs = append(p.errs, &diag.Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// position is where a node starts in the file: a mapping starts at its
// first key, a "key: value" entry at its key.
func position(n ast.Node) (line, col int) { return yamltree.Start(n) }

func (p *parser) parse(data []byte) *Pipeline {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a byte order mark, as some editors write
	f, perr := yamltree.Parse(p.file, data, fileLimits, yamlparser.AllowDuplicateMapKey())
	if perr != nil {
		p.errs = append(p.errs, perr)
		return nil
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			p.errorf(doc.Body, "only one YAML document is allowed")
			continue
		}
		body = doc.Body
	}
	if body == nil {
		p.errs = append(p.errs, &diag.Error{File: p.file, Msg: `empty file: expected a mapping with at least "pipeline" and "tasks"`})
		return nil
	}
	p.collectAnchors(body)
	return p.pipeline(body)
}

// collectAnchors records every &anchor so that *aliases can be resolved.
// A later anchor with the same name replaces an earlier one, as in YAML.
func (p *parser) collectAnchors(body ast.Node) {
	p.anchors = map[string]ast.Node{}
	ast.Walk(anchorVisitor(p.anchors), body)
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		v[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// resolve follows anchors, aliases and tags to the node that holds the
// value. It returns nil (and reports why) for an alias without an anchor.
func (p *parser) resolve(n ast.Node) ast.Node {
	for range 16 {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			name := v.Value.GetToken().Value
			target, ok := p.anchors[name]
			if !ok {
				p.errorf(v, "unknown alias *%s", name)
				return nil
			}
			n = target
		case *ast.TagNode:
			if v.Start.Value == string(token.StringTag) && v.Value != nil && v.Value.GetToken() != nil {
				if _, scalar := v.Value.(ast.ScalarNode); scalar {
					return ast.String(v.Value.GetToken())
				}
			}
			n = v.Value
		default:
			return n
		}
	}
	p.errorf(n, "aliases nest too deeply")
	return nil
}

// kind names a node's type for "must be X, got Y" messages.
func kind(n ast.Node) string { return yamltree.Plain.Of(n) }

// mapping reads n as a mapping. label names it in type errors ("defaults",
// `task "x"`), in in unknown-key errors ("in defaults"). Keys outside known
// are reported with a suggestion, unless known is nil. Duplicate keys are
// reported; merge keys (<<: *anchor) add the keys not set explicitly.
func (p *parser) mapping(n ast.Node, label, in string, known []string) ([]field, bool) {
	r := p.resolve(n)
	if _, null := r.(*ast.NullNode); null {
		return nil, true // "key:" with nothing is an empty mapping
	}
	m, ok := r.(*ast.MappingNode)
	if !ok {
		if r != nil || n == nil {
			p.errorf(r, "%s: must be a mapping, got %s", label, kind(r))
		}
		return nil, false
	}
	var fields, merged []field
	seen := map[string]ast.Node{}
	for _, mv := range m.Values {
		if mv.Key != nil && mv.Key.IsMergeKey() {
			merged = append(merged, p.mergeFields(mv.Value, label)...)
			continue
		}
		key, ok := p.key(mv)
		if !ok {
			continue
		}
		if first, dup := seen[key]; dup {
			line, _ := position(first)
			p.errorf(mv, "duplicate key %q%s (first at line %d)", key, inSuffix(in), line)
			continue
		}
		seen[key] = mv
		fields = append(fields, field{key: key, node: mv, value: mv.Value})
	}
	for _, f := range merged {
		if _, set := seen[f.key]; !set {
			seen[f.key] = f.node
			fields = append(fields, f)
		}
	}
	if known != nil {
		p.checkKeys(fields, in, known)
	}
	return fields, true
}

// checkKeys reports the keys outside known, with the closest known key.
func (p *parser) checkKeys(fields []field, in string, known []string) {
	for _, f := range fields {
		if !contains(known, f.key) {
			p.errorf(f.node, "unknown key %q%s%s", f.key, inSuffix(in), didYouMean(f.key, known))
		}
	}
}

func inSuffix(in string) string {
	if in == "" {
		return ""
	}
	return " " + in
}

// mergeFields returns the entries that "<<: *a" or "<<: [*a, *b]" brings in;
// earlier mappings in the list win, as in YAML's merge key.
func (p *parser) mergeFields(n ast.Node, label string) []field {
	n = p.resolve(n)
	if n == nil {
		return nil // an unknown alias, already reported
	}
	var sources []ast.Node
	if seq, ok := n.(*ast.SequenceNode); ok {
		sources = seq.Values
	} else {
		sources = []ast.Node{n}
	}
	var out []field
	for _, src := range sources {
		more, _ := p.mapping(src, label+": <<", "", nil)
		out = append(out, more...)
	}
	return out
}

// key returns the text of a mapping key; keys must be scalars.
func (p *parser) key(mv *ast.MappingValueNode) (string, bool) {
	k := p.resolve(mv.Key)
	switch v := k.(type) {
	case *ast.StringNode:
		return v.Value, true
	case nil:
		return "", false // an unknown alias, already reported
	case *ast.MappingNode, *ast.SequenceNode, *ast.MappingKeyNode:
		p.errorf(mv, "keys must be plain words, got %s", kind(k))
		return "", false
	}
	return k.GetToken().Value, true
}

func lookup(fields []field, key string) (field, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// str reads a string value.
func (p *parser) str(f field, label string) (string, bool) {
	n := p.resolve(f.value)
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	}
	if n != nil || f.value == nil {
		p.errorf(valueNode(f), "%s: must be a string, got %s", label, kind(n))
	}
	return "", false
}

// text reads any scalar as its text: env values and argv items, where
// `PORT: 8080` and `--seed, 42` mean the text as written.
func (p *parser) text(n ast.Node, label string) (string, bool) {
	r := p.resolve(n)
	switch v := r.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	if r != nil {
		p.errorf(n, "%s: must be a string, got %s", label, kind(r))
	}
	return "", false
}

// valueNode is the node to point at for a problem with f's value: the
// value itself, or the key when the value is empty.
func valueNode(f field) ast.Node {
	if f.value == nil {
		return f.node
	}
	if v, null := f.value.(*ast.NullNode); null && v.Token != nil && v.Token.Type == token.ImplicitNullType {
		return f.node
	}
	return f.value
}

func (p *parser) integer(f field, label string) (int, bool) {
	n := p.resolve(f.value)
	if v, ok := n.(*ast.IntegerNode); ok {
		if i, ok := yamltree.Int32(v); ok {
			return i, true
		}
		p.errorf(n, "%s: %s is out of range", label, v.Token.Value)
		return 0, false
	}
	if n != nil || f.value == nil {
		p.errorf(valueNode(f), "%s: must be an integer, got %s", label, kind(n))
	}
	return 0, false
}

func (p *parser) number(f field, label string) (float64, bool) {
	n := p.resolve(f.value)
	switch v := n.(type) {
	case *ast.IntegerNode:
		if i, ok := yamltree.Int64(v); ok {
			return float64(i), true
		}
	case *ast.FloatNode:
		return v.Value, true
	}
	if n != nil || f.value == nil {
		p.errorf(valueNode(f), "%s: must be a finite number, got %s", label, kind(n))
	}
	return 0, false
}

func (p *parser) boolean(f field, label string) (bool, bool) {
	n := p.resolve(f.value)
	if v, ok := n.(*ast.BoolNode); ok {
		return v.Value, true
	}
	if n != nil || f.value == nil {
		p.errorf(valueNode(f), "%s: must be true or false, got %s", label, kind(n))
	}
	return false, false
}

// strList reads a list of strings; each item is checked with check when it
// is not nil.
func (p *parser) strList(f field, label string, check func(string) error) ([]string, bool) {
	n := p.resolve(f.value)
	if _, null := n.(*ast.NullNode); null {
		return nil, true // "key:" with nothing is an empty list
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		if n != nil || f.value == nil {
			p.errorf(valueNode(f), "%s: must be a list of strings, got %s", label, kind(n))
		}
		return nil, false
	}
	out := make([]string, 0, len(seq.Values))
	good := true
	for i, item := range seq.Values {
		r := p.resolve(item)
		s, isStr := r.(*ast.StringNode)
		if !isStr {
			if r != nil {
				p.errorf(item, "%s[%d]: must be a string, got %s", label, i, kind(r))
			}
			good = false
			continue
		}
		if check != nil {
			if err := check(s.Value); err != nil {
				p.errorf(item, "%s[%d]: %v", label, i, err)
				good = false
				continue
			}
		}
		out = append(out, s.Value)
	}
	return out, good
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PromoteOf is the promote: block of the mlcd.yaml at the root of fsys; nil
// when the file is missing or invalid (mlcd validate says why) or has none.
func PromoteOf(fsys fs.FS) *Promote {
	data, err := fs.ReadFile(fsys, FileName)
	if err != nil {
		return nil
	}
	p, err := Parse(FileName, data)
	if err != nil || p == nil {
		return nil
	}
	return p.Promote
}
