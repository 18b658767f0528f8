package journal

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/internal/inputlimit"
	"github.com/mlcd-dev/mlcd/internal/yamltree"
)

// recordLimits bound a deployment record before the YAML parser reads it:
// mlcd writes it three levels deep, without aliases, and its history grows
// by a few hundred bytes an event.
var recordLimits = inputlimit.Limits{MaxBytes: 8 << 20, MaxDepth: 16}

var (
	recordKeys = []string{"schema", "model", "current", "history"}
	servedKeys = []string{"version", "digest", "commit", "target", "manifests", "endpoint", "since", "status"}
	eventKeys  = []string{"time", "kind", "version", "digest", "commit", "target", "manifests", "reason", "pr"}

	modelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)
	hexCommit = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// Parse reads the record file name (deployments/<model>.yaml, slash
// separated, relative to the repository root) strictly: unknown or repeated
// keys, wrong types, a model that does not match the file name, bad
// digests, commits, times and kinds are refused. Every problem is a
// *diag.Error with file:line:col, joined with errors.Join.
func Parse(name string, data []byte) (*Record, error) {
	d := &recordDecoder{file: name}
	r := d.record(data)
	if len(d.errs) > 0 {
		diag.Sort(d.errs)
		return nil, diag.Join(d.errs)
	}
	return r, nil
}

type recordDecoder struct {
	file string
	errs []*diag.Error
}

func (d *recordDecoder) record(data []byte) *Record {
	if !utf8.Valid(data) {
		d.errs = append(d.errs, &diag.Error{File: d.file, Msg: "not valid UTF-8"})
		return nil
	}
	f, perr := yamltree.Parse(d.file, data, recordLimits)
	if perr != nil {
		d.errs = append(d.errs, perr)
		return nil
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		d.errs = append(d.errs, &diag.Error{File: d.file, Line: 1, Msg: "want one YAML document: a mapping of keys"})
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
			line, col := yamltree.Pos(at)
			e := &diag.Error{File: d.file, Line: line, Col: col, Msg: fmt.Sprintf("missing required key %q%s", k, where)}
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
		case "target":
			s.Target = d.target(v, "current.target")
		case "manifests":
			s.Manifests = d.match(v, "current.manifests", hexCommit, "a full commit hash (40 lowercase hex digits)")
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
			case "target":
				ev.Target = d.target(v, label)
			case "manifests":
				ev.Manifests = d.match(v, label, hexCommit, "a full commit hash (40 lowercase hex digits)")
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
	if i, ok := yamltree.Int32(x); ok {
		return i
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

// target reads where a version is served: absent for mlcd's own
// endpoint, else TargetKubernetes.
func (d *recordDecoder) target(n ast.Node, label string) string {
	s := d.str(n, label)
	if s != TargetKubernetes {
		d.fail(n, "%s %q: want %s (or no target, for mlcd's own endpoint)", label, s, TargetKubernetes)
	}
	return s
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

func (d *recordDecoder) fail(n ast.Node, format string, args ...any) {
	d.errs = append(d.errs, yamltree.ErrorAt(d.file, n, format, args...))
}

func kind(n ast.Node) string { return yamltree.Articled.Of(n) }
