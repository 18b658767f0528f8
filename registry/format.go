package registry

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Marshal returns the canonical file of v: fixed key order, one key per
// line, `stage:` on its own line so that a promotion is a one-line diff.
// Metrics and params are sorted by name. Parse(Marshal(v)) gives v back.
func Marshal(v *Version) []byte {
	b := make([]byte, 0, 512)
	for _, f := range versionFields {
		b = appendField(b, "", f.key, f.omitEmpty, f.quoted, f.at(v))
	}
	return b
}

// appendField writes the line (or block) of one key of the tables in
// fields.go, its value at p, indented by indent.
func appendField(b []byte, indent, key string, omitEmpty, quoted bool, p any) []byte {
	key = indent + key
	switch x := p.(type) {
	case *int:
		return appendKV(b, key, strconv.Itoa(*x))
	case *int64:
		return appendKV(b, key, strconv.FormatInt(*x, 10))
	case *string:
		switch {
		case omitEmpty && *x == "":
			return b
		case quoted:
			return appendKV(b, key, quoteAlways(*x))
		}
		return appendKV(b, key, quote(*x))
	case *Stage:
		return appendKV(b, key, quote(string(*x)))
	case *[]string:
		return appendKV(b, key, flowList(*x))
	case *time.Time:
		return appendKV(b, key, formatTime(*x))
	case *Artifact:
		b = append(append(b, key...), ":\n"...)
		for _, f := range artifactFields {
			b = appendField(b, indent+"  ", f.key, f.omitEmpty, f.quoted, f.at(x))
		}
		return b
	case *map[string]float64:
		return appendBlock(b, key, *x, formatFloat)
	case *pipeline.Params:
		return appendBlock(b, key, *x, formatParam)
	}
	return b // a type without its case: TestFields_EveryRowIsWritten fails
}

func appendKV(b []byte, key, value string) []byte {
	b = append(b, key...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, '\n')
}

// appendBlock writes "key: {}" or "key:" and the entries of m sorted by
// name, one per line.
func appendBlock[M ~map[string]V, V any](b []byte, key string, m M, format func(V) string) []byte {
	if len(m) == 0 {
		return append(append(b, key...), ": {}\n"...)
	}
	b = append(append(b, key...), ":\n"...)
	for _, k := range sortedKeys(m) {
		b = appendKV(b, "  "+quote(k), format(m[k]))
	}
	return b
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func flowList(items []string) string {
	if len(items) == 0 {
		return "[]"
	}
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// formatTime writes t in UTC, RFC 3339 with as many fraction digits as needed.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// formatFloat writes f so that every YAML 1.2 reader reads a float back:
// always with a fraction ("1.0", "1.0e+06"), and .inf, -.inf, .nan.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.ContainsRune(s, '.') {
		return s
	}
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		return s[:i] + ".0" + s[i:]
	}
	return s + ".0"
}

// formatParam writes a param value. Values of other types than string,
// int64, float64 and bool are normalised by normParam before they get here.
func formatParam(v any) string {
	switch x := normParam(v).(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x)
	case string:
		return quote(x)
	}
	return `""`
}

// normParam turns a param value into one of the four types of the file:
// string, int64, float64, bool. Other numbers convert; anything else is
// kept as its JSON text.
func normParam(v any) any {
	switch x := v.(type) {
	case string, bool, int64, float64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// quote writes s plain when every YAML reader reads it back as the same
// string (an identifier-like word), and double-quoted otherwise.
func quote(s string) string {
	if plainSafe(s) {
		return s
	}
	return quoteAlways(s)
}

// plainSafe reports whether s may be written as a plain scalar: it starts
// with a letter or '_', holds only [A-Za-z0-9_.-/], and is no YAML keyword.
func plainSafe(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == '-' || c == '/') {
			return false
		}
	}
	return !yamlKeyword(s)
}

// yamlKeyword reports whether a plain s would not be a string in YAML 1.1
// or 1.2 (booleans and nulls, any case).
func yamlKeyword(s string) bool {
	if len(s) > 5 {
		return false
	}
	for _, k := range [...]string{"true", "false", "null", "yes", "no", "on", "off", "y", "n"} {
		if strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

// quoteAlways writes s as a double-quoted YAML scalar on one line. Only
// '"', '\\' and characters that YAML treats specially are escaped; other
// text, non-ASCII included, stays readable. Invalid UTF-8 becomes U+FFFD.
func quoteAlways(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, `\"`...)
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\r':
			b = append(b, `\r`...)
		case needsEscape(r):
			b = append(b, `\u`...)
			b = append(b, hex4(r)...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return string(append(b, '"'))
}

// needsEscape reports the runes written as \uXXXX: control characters,
// and the ones YAML readers take as line breaks or byte-order marks.
func needsEscape(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff
}

func hex4(r rune) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf]})
}
