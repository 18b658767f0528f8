package kubernetes

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlcd-dev/mlcd/internal/yamltree"
)

// The manifests are built as ordered trees of these, and written by emit:
// block YAML in which every string is double-quoted (JSON's escapes are
// YAML's), so that no value ("3", "true", "1e3", a digest of digits) is
// ever read back as anything but the string it is.
type (
	object []member // a mapping, its keys in order
	member struct {
		key   string
		value any // string, int, bool, object, list or literal
	}
	list []any
	// literal is a multi-line string written as a YAML literal block
	// when its form allows, for people reading the manifests.
	literal string
)

// plainKey matches the keys written without quotes.
var plainKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9./_-]*$`)

// emit writes one YAML document of v (an object) to b.
func emit(b *bytes.Buffer, v object) {
	emitObject(b, v, "", "")
}

// emitObject writes o's members, the first after first (a list's "- "),
// the others at indent.
func emitObject(b *bytes.Buffer, o object, indent, first string) {
	for i, m := range o {
		if i == 0 {
			b.WriteString(first)
		} else {
			b.WriteString(indent)
		}
		b.WriteString(key(m.key))
		b.WriteByte(':')
		emitValue(b, m.value, indent)
	}
}

// emitValue writes v after "key:", nested at indent+2.
func emitValue(b *bytes.Buffer, v any, indent string) {
	in := indent + "  "
	switch x := v.(type) {
	case object:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		emitObject(b, x, in, in)
	case list:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		for _, item := range x {
			if o, ok := item.(object); ok && len(o) > 0 {
				emitObject(b, o, in+"  ", in+"- ")
				continue
			}
			b.WriteString(in + "-")
			writeScalar(b, item, in)
		}
	default:
		writeScalar(b, v, indent)
	}
}

// writeScalar writes " value\n".
func writeScalar(b *bytes.Buffer, v any, indent string) {
	b.WriteByte(' ')
	switch x := v.(type) {
	case string:
		b.WriteString(yamltree.Quote(x))
	case literal:
		if block, ok := literalBlock(string(x), indent+"  "); ok {
			b.WriteString(block)
			return
		}
		b.WriteString(yamltree.Quote(string(x)))
	case int:
		b.WriteString(strconv.Itoa(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case object, list:
		b.WriteString("{}") // only empty ones reach here
	}
	b.WriteByte('\n')
}

// literalBlock writes s as "|\n" and its lines at indent, when YAML's
// literal block gives s back exactly: one final newline, a first line
// that starts with text, no line of spaces only, no carriage returns, tabs
// or other control characters.
func literalBlock(s, indent string) (string, bool) {
	body, ok := strings.CutSuffix(s, "\n")
	if !ok || body == "" || strings.HasSuffix(body, "\n") || strings.HasPrefix(body, " ") || strings.HasPrefix(body, "\n") {
		return "", false
	}
	for _, line := range strings.Split(body, "\n") {
		if line != "" && strings.TrimLeft(line, " ") == "" {
			return "", false // a line of spaces only: YAML may read it as empty
		}
	}
	for _, r := range body {
		if (r < ' ' && r != '\n') || r == 0x7f || r == '\ufeff' || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return "", false
		}
	}
	var b strings.Builder
	b.WriteString("|\n")
	for _, line := range strings.Split(body, "\n") {
		if line != "" {
			b.WriteString(indent)
			b.WriteString(line)
		}
		b.WriteByte('\n')
	}
	return b.String(), true
}

func key(k string) string {
	if plainKey.MatchString(k) && k != "y" && k != "n" && k != "null" && !isBoolWord(k) {
		return k
	}
	return yamltree.Quote(k)
}

// isBoolWord: words YAML 1.1 readers take for booleans.
func isBoolWord(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "no", "true", "false", "on", "off", "y", "n":
		return true
	}
	return false
}
