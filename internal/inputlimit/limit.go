package inputlimit

import "fmt"

// Default limits. Files mlcd writes nest a few levels deep and weigh a few
// kilobytes; people's mlcd.yaml files, a few hundred lines.
const (
	// DefaultMaxDepth bounds the nesting of YAML collections.
	DefaultMaxDepth = 64
	// DefaultMaxJSONDepth bounds the nesting of JSON values (run records
	// carry a pipeline's values a few levels down).
	DefaultMaxJSONDepth = 100
	// DefaultMaxBytes bounds a YAML file: mlcd.yaml, a version file.
	DefaultMaxBytes = 1 << 20
)

// Limits bound one file.
type Limits struct {
	MaxBytes int // the file's size; 0 means DefaultMaxBytes
	MaxDepth int // nested collections; 0 means the format's default
	// MaxAliases bounds YAML aliases (*name): each one repeats what its
	// anchor holds, so a few hundred of them nested make a "billion
	// laughs". 0 allows none; a negative value, any number.
	MaxAliases int
}

// Error is a file that breaks a limit, at the place the scan noticed it.
type Error struct {
	Line int // from 1; 0 when the whole file is too large
	Col  int // from 1
	Msg  string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

func (l Limits) maxBytes() int {
	if l.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return l.MaxBytes
}

func checkSize(n int, l Limits) *Error {
	if max := l.maxBytes(); n > max {
		return &Error{Msg: fmt.Sprintf("file of %s is larger than the %s mlcd reads", size(n), size(max))}
	}
	return nil
}

func size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func tooDeep(line, col, max int) *Error {
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf("values nest more than %d levels deep", max)}
}
