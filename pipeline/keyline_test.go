package pipeline

import (
	"bytes"
	"testing"
)

func TestKeyLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		yaml      string
		path      []string
		line, col int
	}{
		{name: "block", yaml: "pipeline: a\ndeploy:\n  listen: x\n  require: none\n", path: []string{"deploy", "require"}, line: 4, col: 3},
		{name: "flow", yaml: "pipeline: a\ndeploy: {approvals: 2, require: none}\n", path: []string{"deploy", "require"}, line: 2, col: 24},
		{name: "top-level key", yaml: "pipeline: a\n\ndeploy: {require: none}\n", path: []string{"deploy"}, line: 3, col: 1},
		{name: "through a merge key", yaml: "x-gate: &g {require: none}\ndeploy:\n  <<: *g\n  listen: y\n", path: []string{"deploy", "require"}, line: 1, col: 13},
		{name: "through an alias", yaml: "x-gate: &g {require: none}\ndeploy: *g\n", path: []string{"deploy", "require"}, line: 1, col: 13},
		{name: "with a byte order mark", yaml: "\ufeffpipeline: a\ndeploy: {require: none}\n", path: []string{"deploy", "require"}, line: 2, col: 10},
		{name: "not set", yaml: "pipeline: a\ndeploy: {listen: x}\n", path: []string{"deploy", "require"}},
		{name: "no deploy", yaml: "pipeline: a\n", path: []string{"deploy", "require"}},
		{name: "deploy is not a mapping", yaml: "deploy: none\n", path: []string{"deploy", "require"}},
		{name: "empty deploy", yaml: "deploy:\n", path: []string{"deploy", "require"}},
		{name: "syntax error", yaml: "deploy: [\n", path: []string{"deploy"}},
		{name: "empty file", yaml: "", path: []string{"deploy"}},
		{name: "empty path", yaml: "deploy: {}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line, col := KeyLine([]byte(tt.yaml), tt.path...)
			if line != tt.line || col != tt.col {
				t.Errorf("KeyLine(%q, %q) = %d:%d, want %d:%d", tt.yaml, tt.path, line, col, tt.line, tt.col)
			}
		})
	}
}

// FuzzKeyLine checks that KeyLine never panics and that a place it gives
// is inside the file.
func FuzzKeyLine(f *testing.F) {
	for _, s := range []string{
		"", "deploy: {require: none}\n", "deploy:\n  require: none\n", "a: &x [*x]\ndeploy: *x\n",
		"x: &g {require: none}\ndeploy: {<<: *g}\n", "deploy: [\n", "deploy:\n  deploy:\n    require: x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		line, col := KeyLine(data, "deploy", "require")
		if line < 0 || col < 0 || (line == 0) != (col == 0) {
			t.Fatalf("KeyLine = %d:%d", line, col)
		}
		if lines := 1 + bytes.Count(data, []byte("\n")); line > lines {
			t.Fatalf("line %d past the end of a %d-line file", line, lines)
		}
	})
}
