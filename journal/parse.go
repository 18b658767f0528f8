package journal

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/mlcd-dev/mlcd/internal/inputlimit"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// recordLimits bound a deployment record before the YAML parser reads it:
// mlcd writes it three levels deep, without aliases, and its history grows
// by a few hundred bytes an event.
var recordLimits = inputlimit.Limits{MaxBytes: 8 << 20, MaxDepth: 16}

var (
	recordKeys = []string{"schema", "model", "current", "history"}
	servedKeys = []string{"version", "digest", "commit", "endpoint", "since", "status"}
	eventKeys  = []string{"time", "kind", "version", "digest", "commit", "reason", "pr"}

	modelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)
	hexCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// Parse reads the record file name (deployments/<model>.yaml, slash
// separated, relative to the repository root) strictly: unknown or repeated
// keys, wrong types, a model that does not match the file name, bad
// digests, commits, times and kinds are refused. Every problem is a
// *pipeline.Error with file:line:col, joined with errors.Join.
func Parse(name string, data []byte) (*Record, error) {
	d := &recordDecoder{file: name}
	r := d.record(data)
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b *pipeline.Error) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Col - b.Col
		})
		list := make([]error, len(d.errs))
		for i, e := range d.errs {
			list[i] = e
		}
		return nil, errors.Join(list...)
	}
	return r, nil
}

type recordDecoder struct {
	file string
	errs []*pipeline.Error
}

func (d *recordDecoder) record(data []byte) *Record {
	if !utf8.Valid(data) {
		d.errs = append(d.errs, &pipeline.Error{File: d.file, Msg: "not valid UTF-8"})
		return nil
	}
	if e := inputlimit.YAML(data, recordLimits); e != nil {
		d.errs = append(d.errs, &pipeline.Error{File: d.file, Line: e.Line, Col: e.Col, Msg: e.Msg})
		return nil
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		d.syntaxError(err)
		return nil
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		d.errs = append(d.errs, &pipeline.Error{File: d.file, Line: 1, Msg: "want one YAML document: a mapping of keys"})
		return nil
	}
	r := &Record{}
	seen := d.fields(f.Docs[0].Body, "record", recordKeys, func(key string, v ast.Node) {
		switch key {
		case "schema":
			r.Schema = d.integer(v, key)
			if r.Schema != RecordSchema && r.Schema > 0 {
				d.fail(v, "schema %d: this mlcd reads schema %d", r.Schema, RecordSchema)
			}
		case "model":
			r.Model = d.model(v)
		case "current":
			r.Current = d.served(v)
		case "history":
			r.History = d.history(v)
		}
	})
	if seen == nil {
		return nil
	}
	d.require(seen, "", nil, "schema", "model", "history")
	return r
}

// fields walks the mapping n, calling each for every known key once, and
// returns the keys seen (nil when n is not a mapping).
func (d *recordDecoder) fields(n ast.Node, what string, known []string, each func(key string, v ast.Node)) map[string]bool {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		d.fail(n, "%s: want a mapping of keys, got %s", what, kind(n))
		return nil
	}
	seen := map[string]bool{}
	for _, mv := range m.Values {
		key, ok := mv.Key.(*ast.StringNode)
		switch {
		case !ok:
			d.fail(mv.Key, "%s: keys must be plain words, got %s", what, kind(mv.Key))
		case !slices.Contains(known, key.Value):
			d.fail(mv.Key, "%s: unknown key %q (known: %s)", what, key.Value, strings.Join(known, ", "))
		case seen[key.Value]:
			d.fail(mv.Key, "%s: key %q is repeated", what, key.Value)
		default:
			seen[key.Value] = true
			if d.plain(mv.Value, key.Value) {
				each(key.Value, mv.Value)
			}
		}
	}
	return seen
}

// require reports the keys missing from seen.
func (d *recordDecoder) require(seen map[string]bool, where string, at ast.Node, keys ...string) {
	for _, k := range keys {
		if !seen[k] {
			e := &pipeline.Error{File: d.file, Msg: fmt.Sprintf("missing required key %q%s", k, where)}
			if p := posOf(at); p != nil {
				e.Line, e.Col = p.Line, p.Column
			}
			d.errs = append(d.errs, e)
		}
	}
}

func (d *recordDecoder) served(n ast.Node) *Served {
	if _, ok := n.(*ast.NullNode); ok {
		return nil
	}
	s := &Served{}
	seen := d.fields(n, "current", servedKeys, func(key string, v ast.Node) {
		switch key {
		case "version":
			s.Version = d.version(v, "current.version")
		case "digest":
			s.Digest = d.match(v, "current.digest", hexDigest, "64 lowercase hex digits")
		case "commit":
			s.Commit = d.match(v, "current.commit", hexCommit, "a full commit hash (40 lowercase hex digits)")
		case "endpoint":
			s.Endpoint = d.str(v, "current.endpoint")
		case "since":
			s.Since = d.time(v, "current.since")
		case "status":
			s.Status = d.str(v, "current.status")
		}
	})
	if seen != nil {
		d.require(seen, " in current", n, "version", "since")
	}
	return s
}

func (d *recordDecoder) history(n ast.Node) []Event {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.fail(n, "history: want a list of events, got %s", kind(n))
		return nil
	}
	events := make([]Event, 0, len(seq.Values))
	for i, item := range seq.Values {
		what := fmt.Sprintf("history[%d]", i)
		if !d.plain(item, what) {
			continue
		}
		var ev Event
		seen := d.fields(item, what, eventKeys, func(key string, v ast.Node) {
			label := what + "." + key
			switch key {
			case "time":
				ev.Time = d.time(v, label)
			case "kind":
				ev.Kind = d.kind(v, label)
			case "version":
				ev.Version = d.version(v, label)
			case "digest":
				ev.Digest = d.match(v, label, hexDigest, "64 lowercase hex digits")
			case "commit":
				ev.Commit = d.match(v, label, hexCommit, "a full commit hash (40 lowercase hex digits)")
			case "reason":
				ev.Reason = d.str(v, label)
			case "pr":
				if ev.PR = d.integer(v, label); ev.PR < 0 {
					d.fail(v, "%s: want a pull request number, got %d", label, ev.PR)
				}
			}
		})
		if seen != nil {
			d.require(seen, " in "+what, item, "time", "kind", "version")
		}
		events = append(events, ev)
	}
	if len(events) > MaxHistory {
		d.fail(n, "history: %d events, at most %d", len(events), MaxHistory)
	}
	if len(events) == 0 {
		return nil
	}
	return events
}

// plain refuses the YAML features a record has no use for.
func (d *recordDecoder) plain(n ast.Node, label string) bool {
	switch n.(type) {
	case *ast.TagNode:
		d.fail(n, "%s: YAML tags are not allowed in a deployment record", label)
		return false
	case *ast.AnchorNode, *ast.AliasNode, *ast.MergeKeyNode:
		d.fail(n, "%s: YAML anchors and aliases are not allowed in a deployment record", label)
		return false
	}
	return true
}

func (d *recordDecoder) model(n ast.Node) string {
	s := d.str(n, "model")
	if s == "" {
		d.fail(n, "model: must not be empty")
		return ""
	}
	if !modelName.MatchString(s) {
		d.fail(n, "model name %q: want a letter or digit, then letters, digits, '.', '_' or '-' (at most 100)", s)
		return s
	}
	if want := Path(s); want != d.file {
		d.fail(n, "model %q does not match the file name: want %s", s, want)
	}
	return s
}

func (d *recordDecoder) str(n ast.Node, label string) string {
	switch x := n.(type) {
	case *ast.StringNode:
		return x.Value
	case *ast.NullNode:
		return ""
	}
	d.fail(n, "%s: must be a string, got %s (quote it)", label, kind(n))
	return ""
}

func (d *recordDecoder) match(n ast.Node, label string, re *regexp.Regexp, want string) string {
	s := d.str(n, label)
	if s != "" && !re.MatchString(s) {
		d.fail(n, "%s %q: want %s", label, s, want)
	}
	return s
}

func (d *recordDecoder) integer(n ast.Node, label string) int {
	x, ok := n.(*ast.IntegerNode)
	if !ok {
		d.fail(n, "%s: must be an integer, got %s", label, kind(n))
		return 0
	}
	switch i := x.Value.(type) {
	case int64:
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return int(i)
		}
	case uint64:
		if i <= math.MaxInt32 {
			return int(i)
		}
	}
	d.fail(n, "%s: integer %s is out of range", label, x.Token.Value)
	return 0
}

func (d *recordDecoder) version(n ast.Node, label string) int {
	v := d.integer(n, label)
	if _, ok := n.(*ast.IntegerNode); ok && v < 1 {
		d.fail(n, "%s: want a version number from 1, got %d", label, v)
	}
	return v
}

func (d *recordDecoder) time(n ast.Node, label string) time.Time {
	s := d.str(n, label)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.fail(n, "%s %q: want a time like 2026-11-27T01:02:03Z (RFC 3339)", label, s)
		return time.Time{}
	}
	return t.UTC()
}

func (d *recordDecoder) kind(n ast.Node, label string) Kind {
	s := Kind(d.str(n, label))
	if !slices.Contains(Kinds, s) {
		names := make([]string, len(Kinds))
		for i, k := range Kinds {
			names[i] = string(k)
		}
		d.fail(n, "%s %q: want one of %s", label, s, strings.Join(names, ", "))
	}
	return s
}

func (d *recordDecoder) syntaxError(err error) {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	e := &pipeline.Error{File: d.file, Msg: "yaml: " + err.Error()}
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		e.Line, e.Col, e.Msg = p.Line, p.Column, "yaml: "+ye.GetMessage()
	}
	d.errs = append(d.errs, e)
}

func (d *recordDecoder) fail(n ast.Node, format string, args ...any) {
	e := &pipeline.Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if p := posOf(n); p != nil {
		e.Line, e.Col = p.Line, p.Column
	}
	d.errs = append(d.errs, e)
}

func posOf(n ast.Node) *token.Position {
	if n == nil {
		return nil
	}
	if tk := n.GetToken(); tk != nil {
		return tk.Position
	}
	return nil
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
	case nil:
		return "nothing"
	}
	return strings.ToLower(n.Type().String())
}
