package inputlimit

// JSON checks data's size and how deeply its arrays and objects nest,
// skipping strings. It does not check the syntax.
func JSON(data []byte, lim Limits) *Error {
	if err := checkSize(len(data), lim); err != nil {
		return err
	}
	max := lim.MaxDepth
	if max <= 0 {
		max = DefaultMaxJSONDepth
	}
	depth, line, col := 0, 1, 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		col++
		if inString {
			switch c {
			case '\\':
				i++
				col++
			case '"':
				inString = false
			case '\n':
				line, col = line+1, 0
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			if depth++; depth > max {
				return tooDeep(line, col, max)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		case '\n':
			line, col = line+1, 0
		}
	}
	return nil
}
