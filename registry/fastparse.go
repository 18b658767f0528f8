package registry

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// parseFast reads the exact canonical form that Marshal writes, line by
// line, without a YAML parser: it is what makes loading ten thousand
// versions cheap. It gives up (ok false) at the first thing it does not
// expect, or when the version does not validate, and the caller then uses
// the full parser, which reports problems with their places. A fuzz test
// checks that both paths agree whenever this one says ok. Its keys and
// their order come from the table in fields.go.
//
// It is hand-written because it pays on every load: BenchmarkParse
// measured 2.3-2.7 us a canonical file here against 76-110 us through the
// YAML parser, so 200 models x 50 versions cost about 25 ms of CPU
// instead of 0.8 s, on the cold read from git as on a working tree.
func parseFast(data string, fn fileName) (*Version, bool) {
	if len(data) > fileLimits.MaxBytes {
		return nil, false // the full path says why
	}
	f := fastReader{s: data}
	v := &Version{}
	var seen uint64 // bit i: the key of versionFields[i] was there
	for i, fl := range versionFields {
		there, ok := f.field(fl.key, fl.omitEmpty, fl.at(v))
		if !ok {
			return nil, false
		}
		if there {
			seen |= 1 << i
		}
	}
	if f.rest != "" || f.off != len(f.s) {
		return nil, false
	}
	present := func(key string) bool {
		i := fieldIndex(versionFields, key)
		return i >= 0 && seen&(1<<i) != 0
	}
	if len(validate(v, fn, present)) > 0 {
		return nil, false
	}
	return v, true
}

// field reads the line (or block) of key into p, a pointer from the tables
// in fields.go. An omitEmpty key may be absent (there false).
func (f *fastReader) field(key string, omitEmpty bool, p any) (there, ok bool) {
	if omitEmpty {
		l, ok := f.line()
		if !ok {
			return false, false
		}
		f.unread(l)
		if !strings.HasPrefix(l, key+": ") {
			return false, true
		}
	}
	switch x := p.(type) {
	case *int:
		return true, f.intKey(key, x)
	case *int64:
		return true, f.int64Key(key, x)
	case *string:
		return true, f.strKey(key, x)
	case *Stage:
		return true, f.stageKey(key, x)
	case *[]string:
		return true, f.listKey(key, x)
	case *time.Time:
		return true, f.timeKey(key, x)
	case *Artifact:
		return true, f.artifact(key, x)
	case *map[string]float64:
		return true, f.metrics(key, x)
	case *pipeline.Params:
		return true, f.params(key, x)
	}
	return false, false
}

// fastReader walks the lines of a canonical file. line holds the current
// line once read; every line must end with '\n'.
type fastReader struct {
	s    string
	off  int
	rest string // an unread line, pushed back by peek
}

// line returns the next line without its '\n'.
func (f *fastReader) line() (string, bool) {
	if f.rest != "" {
		l := f.rest
		f.rest = ""
		return l, true
	}
	i := strings.IndexByte(f.s[f.off:], '\n')
	if i < 0 {
		return "", false
	}
	l := f.s[f.off : f.off+i]
	f.off += i + 1
	return l, true
}

func (f *fastReader) unread(l string) { f.rest = l }

// value reads the line "<key>: <value>" and returns the raw value.
func (f *fastReader) value(key string) (string, bool) {
	l, ok := f.line()
	if !ok {
		return "", false
	}
	v, ok := strings.CutPrefix(l, key)
	if !ok {
		f.unread(l)
		return "", false
	}
	return strings.CutPrefix(v, ": ")
}

func (f *fastReader) strKey(key string, dst *string) bool {
	raw, ok := f.value(key)
	if !ok {
		return false
	}
	*dst, ok = fastString(raw)
	return ok
}

func (f *fastReader) intKey(key string, dst *int) bool {
	raw, ok := f.value(key)
	if !ok {
		return false
	}
	n, ok := fastInt(raw)
	if !ok || n > math.MaxInt32 {
		return false
	}
	*dst = int(n)
	return true
}

func (f *fastReader) stageKey(key string, dst *Stage) bool {
	var s string
	if !f.strKey(key, &s) {
		return false
	}
	st, err := ParseStage(s)
	*dst = st
	return err == nil
}

// timeKey reads a plain RFC 3339 time, as formatTime writes it.
func (f *fastReader) timeKey(key string, dst *time.Time) bool {
	s, ok := f.value(key)
	if !ok || !timeShape(s) {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	*dst = t.UTC()
	return err == nil
}

// listKey reads "key: []" or "key: [a, \"b\"]". An item holding ", "
// does not split back into itself, and fastString then refuses it.
func (f *fastReader) listKey(key string, dst *[]string) bool {
	raw, ok := f.value(key)
	if !ok || len(raw) < 2 || raw[0] != '[' || raw[len(raw)-1] != ']' {
		return false
	}
	inner := raw[1 : len(raw)-1]
	if inner == "" {
		return true
	}
	items := strings.Split(inner, ", ")
	for i, it := range items {
		s, ok := fastString(it)
		if !ok {
			return false
		}
		items[i] = s
	}
	*dst = items
	return true
}

// artifactLines are the artifact's keys as their lines start, indented.
var artifactLines = func() []string {
	keys := make([]string, len(artifactFields))
	for i, f := range artifactFields {
		keys[i] = "  " + f.key
	}
	return keys
}()

func (f *fastReader) artifact(key string, a *Artifact) bool {
	l, ok := f.line()
	if !ok || l != key+":" {
		return false
	}
	for i, af := range artifactFields {
		if _, ok := f.field(artifactLines[i], af.omitEmpty, af.at(a)); !ok {
			return false
		}
	}
	return true
}

func (f *fastReader) int64Key(key string, dst *int64) bool {
	raw, ok := f.value(key)
	if !ok {
		return false
	}
	*dst, ok = fastInt(raw)
	return ok
}

// block reads "key: {}" or "key:" followed by "  name: value" lines.
func (f *fastReader) block(key string, entry func(name, raw string) bool) bool {
	l, ok := f.line()
	switch {
	case !ok:
		return false
	case l == key+": {}":
		return true
	case l != key+":":
		return false
	}
	n := 0
	for {
		l, ok := f.line()
		if !ok {
			return n > 0
		}
		body, indented := strings.CutPrefix(l, "  ")
		if !indented {
			f.unread(l)
			return n > 0
		}
		name, raw, ok := fastKeyValue(body)
		if !ok || !entry(name, raw) {
			return false
		}
		n++
	}
}

func (f *fastReader) metrics(key string, dst *map[string]float64) bool {
	return f.block(key, func(name, raw string) bool {
		x, ok := fastFloat(raw)
		if !ok {
			return false
		}
		if *dst == nil {
			*dst = map[string]float64{}
		}
		if _, dup := (*dst)[name]; dup {
			return false
		}
		(*dst)[name] = x
		return true
	})
}

func (f *fastReader) params(key string, dst *pipeline.Params) bool {
	return f.block(key, func(name, raw string) bool {
		x, ok := fastParam(raw)
		if !ok {
			return false
		}
		if *dst == nil {
			*dst = pipeline.Params{}
		}
		if _, dup := (*dst)[name]; dup {
			return false
		}
		(*dst)[name] = x
		return true
	})
}

// fastKeyValue splits "name: value" where name is plain or double-quoted.
func fastKeyValue(s string) (name, raw string, ok bool) {
	if strings.HasPrefix(s, `"`) {
		end := quotedEnd(s)
		if end < 0 {
			return "", "", false
		}
		name, ok = unquote(s[:end])
		raw, cut := strings.CutPrefix(s[end:], ": ")
		return name, raw, ok && cut && name != ""
	}
	name, raw, ok = strings.Cut(s, ": ")
	return name, raw, ok && plainSafe(name)
}

// quotedEnd returns the index just past the closing quote of the
// double-quoted scalar at the start of s, or -1.
func quotedEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// fastString reads a plain-safe word or a double-quoted string that fills
// the whole value.
func fastString(raw string) (string, bool) {
	if strings.HasPrefix(raw, `"`) {
		if quotedEnd(raw) != len(raw) {
			return "", false
		}
		return unquote(raw)
	}
	return raw, plainSafe(raw)
}

// unquote decodes the escapes quoteAlways writes, and refuses every other
// escape and every character that quoteAlways would have escaped.
func unquote(q string) (string, bool) {
	s := q[1 : len(q)-1]
	if !strings.ContainsRune(s, '\\') && asciiPrintable(s) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\\' {
			r, n, ok := unescape(s[i:])
			if !ok {
				return "", false
			}
			b.WriteRune(r)
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || needsEscape(r) || r == '"' {
			return "", false
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String(), true
}

func asciiPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f || s[i] == '"' {
			return false
		}
	}
	return true
}

// unescape decodes one escape at the start of s: \" \\ \n \t \r \uXXXX.
func unescape(s string) (rune, int, bool) {
	if len(s) < 2 {
		return 0, 0, false
	}
	switch s[1] {
	case '"':
		return '"', 2, true
	case '\\':
		return '\\', 2, true
	case 'n':
		return '\n', 2, true
	case 't':
		return '\t', 2, true
	case 'r':
		return '\r', 2, true
	case 'u':
		if len(s) < 6 {
			return 0, 0, false
		}
		n, err := strconv.ParseUint(s[2:6], 16, 32)
		r := rune(n)
		if err != nil || !needsEscape(r) || s[2:6] != hex4(r) {
			return 0, 0, false
		}
		return r, 6, true
	}
	return 0, 0, false
}

// fastInt reads a non-negative decimal without sign or leading zeros.
func fastInt(raw string) (int64, bool) {
	if raw == "" || raw[0] == '0' && len(raw) > 1 || !isDigits(raw) {
		return 0, false
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	return n, err == nil
}

// fastFloat reads what formatFloat writes: -?D+.D+(e[+-]D+)?, .inf, -.inf, .nan.
func fastFloat(raw string) (float64, bool) {
	switch raw {
	case ".nan":
		return math.NaN(), true
	case ".inf":
		return math.Inf(1), true
	case "-.inf":
		return math.Inf(-1), true
	}
	if formatFloatShape(raw) {
		x, err := strconv.ParseFloat(raw, 64)
		return x, err == nil
	}
	return 0, false
}

func formatFloatShape(s string) bool {
	s = strings.TrimPrefix(s, "-")
	mant, exp, hasExp := strings.Cut(s, "e")
	whole, frac, ok := strings.Cut(mant, ".")
	if !ok || !isDigits(whole) || !isDigits(frac) || len(whole) > 1 && whole[0] == '0' {
		return false
	}
	if !hasExp {
		return true
	}
	if len(exp) < 2 || exp[0] != '+' && exp[0] != '-' {
		return false
	}
	return isDigits(exp[1:]) && len(exp) <= 5
}

// fastParam reads a param value: true/false, an integer, a float or a string.
func fastParam(raw string) (any, bool) {
	switch raw {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	if raw != "" && (isDigit(raw[0]) || raw[0] == '-' || raw[0] == '.') {
		if x, ok := fastFloat(raw); ok {
			return x, true
		}
		digits := strings.TrimPrefix(raw, "-")
		if !isDigits(digits) || digits[0] == '0' && (len(digits) > 1 || raw == "-0") {
			return nil, false
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		return n, err == nil
	}
	return fastString(raw)
}

// timeShape reports whether s has only the characters of a UTC RFC 3339
// time, so that every YAML reader takes it as one plain scalar.
func timeShape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && c != '-' && c != ':' && c != '.' && c != 'T' && c != 'Z' {
			return false
		}
	}
	return len(s) >= len("2006-01-02T15:04:05Z") && s[len(s)-1] == 'Z'
}
