package diag

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Error is a problem at a place in a file: "mlcd.yaml:14:5: message".
// Validation joins every Error it finds with errors.Join.
type Error struct {
	File string
	Line int // from 1; 0 when the problem has no line
	Col  int // from 1; 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Compare orders problems by file, then line, then column.
func Compare(a, b *Error) int {
	if c := cmp.Compare(a.File, b.File); c != 0 {
		return c
	}
	if a.Line != b.Line {
		return cmp.Compare(a.Line, b.Line)
	}
	return cmp.Compare(a.Col, b.Col)
}

// Sort orders errs in place with Compare; problems at the same place keep
// the order they were found in.
func Sort(errs []*Error) { slices.SortStableFunc(errs, Compare) }

// Join joins errs, in their order, with errors.Join; nil when there are
// none.
func Join(errs []*Error) error {
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// Problems returns the *Error values in err, in order: the problems of a
// file as the parsers report them, also when err wraps them. It returns
// nil when err holds none (a file that could not be read, say).
func Problems(err error) []*Error {
	switch e := err.(type) {
	case nil:
		return nil
	case *Error:
		return []*Error{e}
	case interface{ Unwrap() []error }:
		var out []*Error
		for _, inner := range e.Unwrap() {
			out = append(out, Problems(inner)...)
		}
		return out
	}
	return Problems(errors.Unwrap(err))
}
