package inputlimit

import (
	"bytes"
	"fmt"
)

// YAML checks data's size, how deeply its collections nest (block
// indentation levels plus open flow brackets) and how many aliases it
// holds. It skips comments, quoted scalars and block scalars' text, and
// does not check the syntax.
func YAML(data []byte, lim Limits) *Error {
	if err := checkSize(len(data), lim); err != nil {
		return err
	}
	s := &yamlScan{max: lim.MaxDepth, maxAliases: lim.MaxAliases, blockScalar: -1}
	if s.max <= 0 {
		s.max = DefaultMaxDepth
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	for n := 1; len(data) > 0; n++ {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if err := s.line(n, bytes.TrimSuffix(line, []byte{'\r'})); err != nil {
			return err
		}
	}
	return nil
}

// yamlScan is the state carried from line to line.
type yamlScan struct {
	max, maxAliases int
	aliases         int
	indents         []int // the columns of the open block collections
	// flow holds the open flow collections: '[', '{', and 'm' for a
	// single-pair mapping inside a list ("[a: b]"), which some parsers
	// also read where a colon has no space after it ("[0:00]").
	flow  []byte
	quote byte // the quote of a scalar still open, or 0
	// blockScalar is the indentation a block scalar's (| or >) text lines
	// exceed, or -1 outside one.
	blockScalar int
}

func (s *yamlScan) line(n int, line []byte) *Error {
	indent := 0
	for indent < len(line) && (line[indent] == ' ' || line[indent] == '\t') {
		indent++
	}
	blank := indent == len(line)
	if s.blockScalar >= 0 {
		if blank || indent > s.blockScalar {
			return nil // the scalar's text
		}
		s.blockScalar = -1
	}
	i := 0
	if s.quote == 0 {
		if blank || line[indent] == '#' {
			return nil
		}
		i = indent
		if len(s.flow) == 0 {
			var err *Error
			if i, err = s.blockLevels(n, line, indent); err != nil {
				return err
			}
		}
	}
	return s.tokens(n, line, i, indent)
}

// blockLevels opens the block collections a line starts at its
// indentation and at each compact "- " or "? " entry, and returns where
// the line's first token is.
func (s *yamlScan) blockLevels(n int, line []byte, indent int) (int, *Error) {
	if err := s.level(n, indent); err != nil {
		return 0, err
	}
	i := indent
	for i < len(line) && (line[i] == '-' || line[i] == '?') && (i+1 == len(line) || isSpace(line[i+1])) {
		i++
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) || line[i] == '#' {
			break
		}
		if err := s.level(n, i); err != nil {
			return 0, err
		}
	}
	return i, nil
}

// level closes the block collections deeper than col and opens one at col.
func (s *yamlScan) level(n, col int) *Error {
	for len(s.indents) > 0 && s.indents[len(s.indents)-1] > col {
		s.indents = s.indents[:len(s.indents)-1]
	}
	if len(s.indents) == 0 || s.indents[len(s.indents)-1] < col {
		s.indents = append(s.indents, col)
	}
	return s.depth(n, col)
}

func (s *yamlScan) depth(n, col int) *Error {
	if len(s.indents)+len(s.flow) > s.max {
		return tooDeep(n, col+1, s.max)
	}
	return nil
}

// tokens scans line from i for flow brackets, quotes, comments, aliases
// and block scalar headers. start says whether a token may begin at i: a
// bracket or a quote inside a plain scalar ("run: echo a[0]") is text.
func (s *yamlScan) tokens(n int, line []byte, i, indent int) *Error {
	start := true
	for ; i < len(line); i++ {
		c := line[i]
		if s.quote != 0 {
			i = s.inQuote(line, i)
			start = false
			continue
		}
		switch {
		case isSpace(c):
			continue
		case c == '#' && (i == 0 || isSpace(line[i-1])):
			return nil // a comment
		case c == '[' || c == '{':
			if !start && len(s.flow) == 0 && line[i-1] != ':' {
				continue // text of a plain scalar ("key:[" opens a list for some parsers)
			}
			s.flow = append(s.flow, c)
			if err := s.depth(n, i); err != nil {
				return err
			}
			start = true
		case c == ']' || c == '}':
			s.closeFlow(c)
			start = false
		case c == ',' && len(s.flow) > 0:
			if s.flow[len(s.flow)-1] == 'm' {
				s.flow = s.flow[:len(s.flow)-1]
			}
			start = true
		case c == ':' && len(s.flow) > 0 && s.flow[len(s.flow)-1] == '[':
			s.flow = append(s.flow, 'm')
			if err := s.depth(n, i); err != nil {
				return err
			}
			start = true
		case c == ':' && (i+1 == len(line) || isSpace(line[i+1]) || (len(s.flow) > 0 && isFlowIndicator(line[i+1]))):
			start = true
		case !start:
			continue
		case (c == '-' || c == '?') && (i+1 == len(line) || isSpace(line[i+1])):
			// an entry indicator: a value follows
		case c == '"' || c == '\'':
			s.quote = c
			start = false
		case (c == '|' || c == '>') && len(s.flow) == 0 && isBlockHeader(line[i+1:]):
			s.blockScalar = indent
			return nil // the header; its text follows
		case c == '*':
			if s.aliases++; s.maxAliases >= 0 && s.aliases > s.maxAliases {
				return s.tooManyAliases(n, i)
			}
			i = skipToken(line, i)
			start = false
		case c == '&' || c == '!':
			i = skipToken(line, i) // an anchor or tag: a value follows
		default:
			start = false // a plain scalar
		}
	}
	return nil
}

// closeFlow closes the innermost flow collection (and a single-pair
// mapping in it); a stray bracket closes nothing.
func (s *yamlScan) closeFlow(c byte) {
	if len(s.flow) > 0 && s.flow[len(s.flow)-1] == 'm' {
		s.flow = s.flow[:len(s.flow)-1]
	}
	if len(s.flow) > 0 {
		s.flow = s.flow[:len(s.flow)-1]
	}
}

// inQuote skips line from i to the end of the open quoted scalar (or of
// the line) and returns the index of its closing quote.
func (s *yamlScan) inQuote(line []byte, i int) int {
	for ; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\' && s.quote == '"':
			i++
		case c == '\'' && s.quote == '\'' && i+1 < len(line) && line[i+1] == '\'':
			i++ // '' is a quote inside
		case c == s.quote:
			s.quote = 0
			return i
		}
	}
	return i
}

func (s *yamlScan) tooManyAliases(n, i int) *Error {
	if s.maxAliases == 0 {
		return &Error{Line: n, Col: i + 1, Msg: "YAML aliases (*name) are not allowed in this file"}
	}
	return &Error{Line: n, Col: i + 1, Msg: fmt.Sprintf("more than %d YAML aliases (*name)", s.maxAliases)}
}

// skipToken returns the index of the last byte of the token at i (an
// anchor, alias or tag), which ends at a space or a flow indicator.
func skipToken(line []byte, i int) int {
	for i+1 < len(line) && !isSpace(line[i+1]) && !isFlowIndicator(line[i+1]) {
		i++
	}
	return i
}

// isBlockHeader reports whether rest, after a | or >, ends a block scalar
// header: chomping and indentation indicators, then a space, a comment or
// the line's end.
func isBlockHeader(rest []byte) bool {
	for i, c := range rest {
		switch {
		case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		case isSpace(c):
			return true
		default:
			return i > 0 && c == '#' && isSpace(rest[i-1])
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isFlowIndicator(c byte) bool { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}' }
