package pipeline

import "fmt"

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
