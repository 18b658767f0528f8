package pipeline

import (
	"bytes"

	"github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
)

// KeyLine returns where the key at path is set in an mlcd.yaml, for
// messages about a setting: KeyLine(data, "deploy", "require"). Anchors,
// aliases and merge keys are followed as Parse follows them, so the place
// is the key that gives the value. It returns 0, 0 when a key on the path
// is not set or the file does not parse; callers pass a file that Parse
// has accepted.
func KeyLine(data []byte, path ...string) (line, col int) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	f, err := yamlparser.ParseBytes(data, 0, yamlparser.AllowDuplicateMapKey())
	if err != nil {
		return 0, 0
	}
	var n ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			n = doc.Body
			break
		}
	}
	if n == nil || len(path) == 0 {
		return 0, 0
	}
	p := &parser{file: FileName}
	p.collectAnchors(n)
	for _, key := range path {
		fields, ok := p.mapping(n, key, "", nil)
		if !ok {
			return 0, 0
		}
		fl, ok := lookup(fields, key)
		if !ok {
			return 0, 0
		}
		line, col = position(fl.node)
		n = fl.value
	}
	return line, col
}
