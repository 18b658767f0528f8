package registry

import (
	"fmt"
	"strings"
)

// SetStage returns the version file data (at path name) with its stage set
// to st, changing only the value on the `stage:` line so that the commit is
// a one-line diff, comments and hand edits kept. A file that cannot be
// edited in place is rewritten in canonical form.
func SetStage(name string, data []byte, st Stage) ([]byte, error) {
	v, err := Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("set stage: %w", err)
	}
	if _, err := ParseStage(string(st)); err != nil {
		return nil, fmt.Errorf("set stage: %w", err)
	}
	if out, ok := editStageLine(name, string(data), st); ok {
		if w, err := Parse(name, []byte(out)); err == nil && w.Stage == st && sameExceptStage(v, w) {
			return []byte(out), nil
		}
	}
	c := *v
	c.Stage = st
	return Marshal(&c), nil
}

// editStageLine replaces the value token of the top-level stage key.
func editStageLine(name, data string, st Stage) (string, bool) {
	d := newDecoder(name)
	if !d.decode(data) {
		return "", false
	}
	pos := d.pos["stage"]
	if pos.line < 1 || pos.col < 1 {
		return "", false
	}
	lines := strings.SplitAfter(data, "\n")
	if pos.line > len(lines) {
		return "", false
	}
	line := lines[pos.line-1]
	if pos.col-1 > len(line) {
		return "", false
	}
	head, rest := line[:pos.col-1], line[pos.col-1:]
	end := valueEnd(rest)
	if end < 0 {
		return "", false
	}
	lines[pos.line-1] = head + string(st) + rest[end:]
	return strings.Join(lines, ""), true
}

// valueEnd returns the length of the stage value at the start of s: a
// quoted string, or a plain word (a valid stage is letters only).
func valueEnd(s string) int {
	switch {
	case strings.HasPrefix(s, `"`):
		return quotedEnd(s)
	case strings.HasPrefix(s, "'"):
		if i := strings.IndexByte(s[1:], '\''); i >= 0 {
			return i + 2
		}
		return -1
	}
	i := 0
	for i < len(s) && isLetter(s[i]) {
		i++
	}
	return i
}

func sameExceptStage(a, b *Version) bool {
	for _, f := range changedFields(a, b) {
		if f != "stage" {
			return false
		}
	}
	return true
}

// ArchivePrevious returns the files that set every other Production
// version of model to Archived, once version newProd is deployed (MLflow's
// archive_existing_versions). Nothing when there is none.
func ArchivePrevious(reg *Registry, model string, newProd int) map[string][]byte {
	files := map[string][]byte{}
	m := reg.Model(model)
	if m == nil {
		return files
	}
	for _, v := range m.Versions {
		if v.Stage != StageProduction || v.Version == newProd {
			continue
		}
		data, _ := reg.File(v.Path())
		out, err := SetStage(v.Path(), data, StageArchived)
		if err != nil {
			c := *v
			c.Stage = StageArchived
			out = Marshal(&c)
		}
		files[v.Path()] = out
	}
	return files
}
