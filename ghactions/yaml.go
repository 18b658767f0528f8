package ghactions

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mlcd-dev/mlcd/internal/yamltree"
)

// out builds the workflow's YAML line by line: the file is written by
// hand, not marshalled, so that it keeps its comments and its order.
type out struct{ b strings.Builder }

// line writes one line at the given depth (two spaces a level).
func (o *out) line(depth int, format string, args ...any) {
	o.b.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&o.b, format, args...)
	o.b.WriteByte('\n')
}

func (o *out) blank() { o.b.WriteByte('\n') }

// plainRE is what may stay unquoted: words that YAML reads as strings.
var plainRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

// yamlWords are plain words that YAML 1.1 or 1.2 reads as something other
// than a string.
var yamlWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "nan": true, "inf": true,
}

// scalar is s as a YAML scalar: plain when that reads back as the same
// string, else double-quoted (JSON's escapes are YAML's).
func scalar(s string) string {
	if plainRE.MatchString(s) && !yamlWords[strings.ToLower(s)] && !strings.HasPrefix(s, ".") {
		return s
	}
	return yamltree.Quote(s)
}

// flow is a flow sequence of scalars: [a, b].
func flow(items []string) string {
	qs := make([]string, len(items))
	for i, s := range items {
		qs[i] = scalar(s)
	}
	return "[" + strings.Join(qs, ", ") + "]"
}
