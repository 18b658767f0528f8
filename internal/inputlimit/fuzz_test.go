package inputlimit

import (
	"encoding/json"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// astDepth is how deeply the parser's collections nest in n.
func astDepth(n ast.Node, depth int) int {
	switch v := n.(type) {
	case nil:
		return depth
	case *ast.DocumentNode:
		return astDepth(v.Body, depth)
	case *ast.MappingNode:
		best := depth + 1
		for _, mv := range v.Values {
			best = max(best, astDepth(mv.Key, depth+1), astDepth(mv.Value, depth+1))
		}
		return best
	case *ast.MappingValueNode:
		return max(astDepth(v.Key, depth+1), astDepth(v.Value, depth+1))
	case *ast.MappingKeyNode:
		return astDepth(v.Value, depth)
	case *ast.SequenceNode:
		best := depth + 1
		for _, e := range v.Values {
			best = max(best, astDepth(e, depth+1))
		}
		return best
	case *ast.AnchorNode:
		return astDepth(v.Value, depth)
	case *ast.TagNode:
		return astDepth(v.Value, depth)
	}
	return depth
}

// FuzzYAML: whatever the input, a file the scan lets through nests no
// deeper in the parser's tree than the limit, so the scan never misses a
// level the parser would spend memory on.
func FuzzYAML(f *testing.F) {
	for _, s := range []string{
		"x: [[1]]", "a:\n  b:\n    c: 1\n", "- - - a\n", "x: {a: [b, {c: d}]}", "run: |\n  [[[\nx: 1\n",
		"x: \"[[\"\ny: '{{'\n", "a: 1 # [[[\n", "x:[[1]]", "? [a]\n: b\n", "a: &a [1]\nb: *a\n",
		"x: [\n  [\n    1\n  ]\n]\n", "- a: [b]\n  c:\n  - d\n",
		"a: b: c: d: e\n", "? - ? - ? - x\n", "a:\n- - - x\n", "[a: b: c: d]\n", "[a: [b: [c: d]]]\n",
		"a: !!map {b: {c: {d: e}}}\n", "a:\n  - b:\n      - c:\n          - d\n", "{a: b}: {c: {d: e}}\n",
		"? {a: {b: c}}\n: {d: {e: f}}\n", "a: |\n  x\n b: [[[[c]]]]\n", "- >\n [[[[a]]]]\n", "a: b [[[c]]]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 3
		if len(data) > 4096 {
			return
		}
		if err := YAML(data, Limits{MaxDepth: max, MaxAliases: -1}); err != nil {
			return
		}
		file, err := parser.ParseBytes(data, 0)
		if err != nil {
			return
		}
		for _, doc := range file.Docs {
			if d := astDepth(doc, 0); d > max {
				t.Fatalf("the scan passed a file whose values nest %d deep (limit %d):\n%q", d, max, data)
			}
		}
	})
}

// FuzzJSON: a file the scan lets through nests no deeper than the limit.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`[[1]]`, `{"a": {"b": [1, "[["]}}`, `"\"[["`, `[[[[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 3
		if err := JSON(data, Limits{MaxDepth: max}); err != nil {
			return
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		if d := jsonDepth(v); d > max {
			t.Fatalf("the scan passed JSON that nests %d deep (limit %d): %q", d, max, data)
		}
	})
}

func jsonDepth(v any) int {
	best := 0
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			best = max(best, jsonDepth(e))
		}
		return best + 1
	case map[string]any:
		for _, e := range v {
			best = max(best, jsonDepth(e))
		}
		return best + 1
	}
	return 0
}
