package pipeline

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// MaxSize bounds a byte size mlcd.yaml or a flag gives (1 TiB).
const MaxSize = 1 << 40

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// ParseSize reads a byte size: a whole number of bytes, optionally with a
// unit (B, KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024),
// such as 64MiB or "32 MB". It must be positive and at most MaxSize.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || t == "" || t[0] == '+' || t[0] == '-' {
		return 0, fmt.Errorf("%q is not a size such as 33554432, 64MiB or 100MB", s)
	}
	if n <= 0 || n > MaxSize/mult {
		return 0, fmt.Errorf("%q: must be more than 0 and at most 1TiB", s)
	}
	return n * mult, nil
}

// size reads a byte size: an integer of bytes or a string with a unit.
func (p *parser) size(f field, label string) (int64, bool) {
	switch v := p.resolve(f.value).(type) {
	case *ast.IntegerNode:
		n, err := ParseSize(v.Token.Value)
		if err != nil {
			p.errorf(v, "%s: %v", label, err)
			return 0, false
		}
		return n, true
	case *ast.StringNode:
		n, err := ParseSize(v.Value)
		if err != nil {
			p.errorf(v, "%s: %v", label, err)
			return 0, false
		}
		return n, true
	case nil:
		return 0, false
	default:
		p.errorf(valueNode(f), "%s: must be a size such as 64MiB, got %s", label, kind(v))
		return 0, false
	}
}

var errNotVersion = errors.New("must be a version such as 2.8.1")

// checkMLflowVersion accepts a release version: numbers joined by dots,
// optionally followed by a suffix such as rc1 or .dev0.
func checkMLflowVersion(s string) error {
	head, _, _ := strings.Cut(s, "rc")
	parts := strings.Split(head, ".")
	if len(parts) < 2 || len(s) > 40 {
		return errNotVersion
	}
	for _, p := range parts[:2] {
		if _, err := strconv.Atoi(p); err != nil || p == "" || p[0] == '+' || p[0] == '-' {
			return errNotVersion
		}
	}
	if strings.ContainsAny(s, " \t\n\"'\\") {
		return errNotVersion
	}
	return nil
}
