package xgboost

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// decodeUBJSON decodes a Universal Binary JSON document (what XGBoost writes
// for .ubj) into the values encoding/json produces: map[string]any, []any,
// string, bool, nil, and numbers (int64, float32, float64).
func decodeUBJSON(b []byte) (any, error) {
	d := ubDecoder{b: b}
	v, err := d.value(0)
	if err != nil {
		return nil, fmt.Errorf("ubjson: %w", err)
	}
	return v, nil
}

type ubDecoder struct {
	b   []byte
	pos int
}

var errUBTruncated = errors.New("unexpected end of data")

const ubMaxDepth = 200

func (d *ubDecoder) fail(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", d.pos, fmt.Sprintf(format, args...))
}

func (d *ubDecoder) take(n int) ([]byte, error) {
	if n < 0 || len(d.b)-d.pos < n {
		return nil, errUBTruncated
	}
	s := d.b[d.pos : d.pos+n]
	d.pos += n
	return s, nil
}

func (d *ubDecoder) marker() (byte, error) {
	for {
		m, err := d.take(1)
		if err != nil {
			return 0, err
		}
		if m[0] != 'N' { // no-op
			return m[0], nil
		}
	}
}

func (d *ubDecoder) value(depth int) (any, error) {
	m, err := d.marker()
	if err != nil {
		return nil, err
	}
	return d.typed(m, depth)
}

// typed decodes a value whose type marker m is already read.
func (d *ubDecoder) typed(m byte, depth int) (any, error) {
	switch m {
	case '{', '[':
		if depth >= ubMaxDepth {
			return nil, d.fail("nesting too deep")
		}
		if m == '{' {
			return d.object(depth + 1)
		}
		return d.array(depth + 1)
	case 'Z':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'S', 'H':
		return d.str()
	case 'C':
		c, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return string(c), nil
	case 'd':
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.BigEndian.Uint32(b)), nil
	case 'D':
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	}
	n, ok, err := d.intOf(m)
	if !ok {
		return nil, d.fail("unknown type marker %q", m)
	}
	return n, err
}

// intOf decodes an integer of marker m; ok is false for a non-integer marker.
func (d *ubDecoder) intOf(m byte) (int64, bool, error) {
	size := map[byte]int{'i': 1, 'U': 1, 'I': 2, 'l': 4, 'L': 8}[m]
	if size == 0 {
		return 0, false, nil
	}
	b, err := d.take(size)
	if err != nil {
		return 0, true, err
	}
	switch m {
	case 'i':
		return int64(int8(b[0])), true, nil
	case 'U':
		return int64(b[0]), true, nil
	case 'I':
		return int64(int16(binary.BigEndian.Uint16(b))), true, nil
	case 'l':
		return int64(int32(binary.BigEndian.Uint32(b))), true, nil
	}
	return int64(binary.BigEndian.Uint64(b)), true, nil
}

// length reads a length (an integer with its marker).
func (d *ubDecoder) length() (int, error) {
	m, err := d.marker()
	if err != nil {
		return 0, err
	}
	n, ok, err := d.intOf(m)
	if err != nil {
		return 0, err
	}
	if !ok || n < 0 || n > int64(len(d.b)) {
		return 0, d.fail("invalid length")
	}
	return int(n), nil
}

func (d *ubDecoder) str() (string, error) {
	n, err := d.length()
	if err != nil {
		return "", err
	}
	s, err := d.take(n)
	return string(s), err
}

// header reads the optional "$type#count" of a container; count is -1 when
// the container ends with its closing marker instead.
func (d *ubDecoder) header() (typ byte, count int, err error) {
	count = -1
	if d.pos < len(d.b) && d.b[d.pos] == '$' {
		d.pos++
		t, err := d.take(1)
		if err != nil {
			return 0, 0, err
		}
		typ = t[0]
		if d.pos >= len(d.b) || d.b[d.pos] != '#' {
			return 0, 0, d.fail("a typed container needs a count")
		}
	}
	if d.pos < len(d.b) && d.b[d.pos] == '#' {
		d.pos++
		if count, err = d.length(); err != nil {
			return 0, 0, err
		}
	}
	return typ, count, nil
}

func (d *ubDecoder) element(typ byte, depth int) (any, error) {
	if typ != 0 {
		return d.typed(typ, depth)
	}
	return d.value(depth)
}

func (d *ubDecoder) array(depth int) (any, error) {
	typ, count, err := d.header()
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, min(max(count, 0), len(d.b)-d.pos))
	for i := 0; count < 0 || i < count; i++ {
		if count < 0 {
			if d.pos >= len(d.b) {
				return nil, errUBTruncated
			}
			if d.b[d.pos] == ']' {
				d.pos++
				break
			}
		}
		v, err := d.element(typ, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d *ubDecoder) object(depth int) (any, error) {
	typ, count, err := d.header()
	if err != nil {
		return nil, err
	}
	out := make(map[string]any)
	for i := 0; count < 0 || i < count; i++ {
		if count < 0 {
			if d.pos >= len(d.b) {
				return nil, errUBTruncated
			}
			if d.b[d.pos] == '}' {
				d.pos++
				break
			}
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		v, err := d.element(typ, depth)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
