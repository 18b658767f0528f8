package scoring

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// A small JSON parser for request bodies. It parses the whole document into
// a flat, reusable slice of nodes (pre-order), so a request allocates nothing
// once the pool is warm, and column names are matched without building
// strings. Besides strict JSON it accepts NaN, Infinity and -Infinity, which
// Python's json module writes and MLflow's server reads.

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

var kindNames = [...]string{"null", "a boolean", "a number", "a string", "a list", "an object"}

func (k jkind) String() string { return kindNames[k] }

// jnode is one value. Object members are a key node (jString) followed by
// the value's subtree; count counts members, not nodes.
type jnode struct {
	kind  jkind
	esc   bool    // string with escapes (decode before use)
	truth bool    // value of a jBool
	start int32   // source span: strings exclude their quotes
	end   int32   //
	next  int32   // index of the node after this subtree
	count int32   // elements of an array, members of an object
	num   float64 // value of a jNumber
}

const maxDepth = 1000

type jparser struct {
	src   []byte
	pos   int
	nodes []jnode
	depth int
}

// syntaxError is a malformed document, with its byte offset.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

var errTooDeep = errors.New("nesting too deep")

// parse parses src into p.nodes; nodes[0] is the document's root.
func (p *jparser) parse(src []byte) error {
	if len(src) > math.MaxInt32 {
		return &syntaxError{msg: "document too large", off: 0}
	}
	p.src, p.pos, p.nodes, p.depth = src, 0, p.nodes[:0], 0
	p.skipSpace()
	if err := p.value(); err != nil {
		return err
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return p.fail("unexpected data after the top-level value")
	}
	return nil
}

func (p *jparser) fail(msg string) error { return &syntaxError{msg: msg, off: p.pos} }

func (p *jparser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) value() error {
	if p.pos >= len(p.src) {
		return p.fail("unexpected end of input")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", jnode{kind: jBool, truth: true})
	case c == 'f':
		return p.literal("false", jnode{kind: jBool})
	case c == 'n':
		return p.literal("null", jnode{kind: jNull})
	case c == 'N':
		return p.literal("NaN", jnode{kind: jNumber, num: math.NaN()})
	case c == 'I':
		return p.literal("Infinity", jnode{kind: jNumber, num: math.Inf(1)})
	}
	return p.fail(fmt.Sprintf("invalid character %q looking for a value", p.src[p.pos]))
}

func (p *jparser) literal(word string, n jnode) error {
	if len(p.src)-p.pos < len(word) || string(p.src[p.pos:p.pos+len(word)]) != word {
		return p.fail("invalid literal")
	}
	n.start, n.end = int32(p.pos), int32(p.pos+len(word))
	p.pos += len(word)
	n.next = int32(len(p.nodes) + 1)
	p.nodes = append(p.nodes, n)
	return nil
}

func (p *jparser) open() (int, error) {
	p.depth++
	if p.depth > maxDepth {
		return 0, &syntaxError{msg: errTooDeep.Error(), off: p.pos}
	}
	i := len(p.nodes)
	p.nodes = append(p.nodes, jnode{start: int32(p.pos)})
	p.pos++ // '[' or '{'
	p.skipSpace()
	return i, nil
}

func (p *jparser) close(i int, kind jkind, count int32) {
	p.pos++ // ']' or '}'
	p.depth--
	n := &p.nodes[i]
	n.kind, n.count, n.end, n.next = kind, count, int32(p.pos), int32(len(p.nodes))
}

func (p *jparser) array() error {
	i, err := p.open()
	if err != nil {
		return err
	}
	var count int32
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.close(i, jArray, 0)
		return nil
	}
	for {
		if err := p.value(); err != nil {
			return err
		}
		count++
		p.skipSpace()
		if p.pos >= len(p.src) {
			return p.fail("unexpected end of input in a list")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case ']':
			p.close(i, jArray, count)
			return nil
		default:
			return p.fail("expected ',' or ']' in a list")
		}
	}
}

func (p *jparser) object() error {
	i, err := p.open()
	if err != nil {
		return err
	}
	var count int32
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.close(i, jObject, 0)
		return nil
	}
	for {
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return p.fail("expected a string key in an object")
		}
		if err := p.str(); err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return p.fail("expected ':' after an object key")
		}
		p.pos++
		p.skipSpace()
		if err := p.value(); err != nil {
			return err
		}
		count++
		p.skipSpace()
		if p.pos >= len(p.src) {
			return p.fail("unexpected end of input in an object")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case '}':
			p.close(i, jObject, count)
			return nil
		default:
			return p.fail("expected ',' or '}' in an object")
		}
	}
}

func (p *jparser) str() error {
	p.pos++ // opening quote
	start, esc := p.pos, false
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.nodes = append(p.nodes, jnode{kind: jString, esc: esc, start: int32(start),
				end: int32(p.pos), next: int32(len(p.nodes) + 1)})
			p.pos++
			return nil
		case c < 0x20:
			return p.fail("control character in a string")
		case c == '\\':
			esc = true
			if err := p.escape(); err != nil {
				return err
			}
		default:
			p.pos++
		}
	}
	return p.fail("unterminated string")
}

func (p *jparser) escape() error {
	if p.pos+1 >= len(p.src) {
		return p.fail("unterminated string")
	}
	switch p.src[p.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.pos += 2
		return nil
	case 'u':
		if p.pos+6 > len(p.src) {
			return p.fail("short \\u escape")
		}
		for _, h := range p.src[p.pos+2 : p.pos+6] {
			if hexVal(h) < 0 {
				return p.fail("invalid \\u escape")
			}
		}
		p.pos += 6
		return nil
	}
	return p.fail("invalid escape in a string")
}

func (p *jparser) number() error {
	start := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
		if p.pos < len(p.src) && p.src[p.pos] == 'I' {
			if err := p.literal("Infinity", jnode{kind: jNumber, num: math.Inf(-1)}); err != nil {
				return err
			}
			p.nodes[len(p.nodes)-1].start = int32(start)
			return nil
		}
	}
	switch {
	case p.pos < len(p.src) && p.src[p.pos] == '0':
		p.pos++ // a leading zero stands alone: "01" is not a number
	case !p.digits():
		return p.fail("invalid number")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return p.fail("invalid number")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return p.fail("invalid number")
		}
	}
	raw := p.src[start:p.pos]
	// The syntax is checked above, so ParseFloat can only report a range
	// error; then it returns ±Inf or 0 as Python does.
	f, _ := strconv.ParseFloat(unsafe.String(unsafe.SliceData(raw), len(raw)), 64)
	p.nodes = append(p.nodes, jnode{kind: jNumber, start: int32(start), end: int32(p.pos),
		next: int32(len(p.nodes) + 1), num: f})
	return nil
}

func (p *jparser) digits() bool {
	s := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > s
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// raw returns the source bytes of a string node (escapes not decoded).
func (p *jparser) raw(n *jnode) []byte { return p.src[n.start:n.end] }

// text returns a string node's decoded value as bytes; for a string without
// escapes it is a view of the source, not a copy.
func (p *jparser) text(n *jnode) []byte {
	if !n.esc {
		return p.raw(n)
	}
	return unescape(p.raw(n))
}

// unescape decodes a JSON string body whose escapes parse checked.
func unescape(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		i++
		switch s[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hex4(s[i+1 : i+5]))
			i += 4
			if utf16.IsSurrogate(r) && i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
				if r2 := utf16.DecodeRune(r, rune(hex4(s[i+3:i+7]))); r2 != utf8.RuneError {
					r = r2
					i += 6
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, s[i])
		}
	}
	return out
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}
