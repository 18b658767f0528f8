package scoring

import (
	"errors"
	"strconv"
	"strings"
)

// pyFloat reads s as Python's float() does, which is how pandas converts a
// column of strings to float64: surrounding whitespace is allowed, so are a
// sign, "inf", "infinity" and "nan" in any case, and single underscores
// between digits; hexadecimal, "0x", and Go-only forms are not.
func pyFloat(b []byte) (float64, bool) {
	s := strings.Trim(string(b), " \t\n\r\v\f")
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" {
		return 0, false
	}
	switch strings.ToLower(body) {
	case "inf", "infinity", "nan":
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	if strings.Contains(body, "_") {
		if !underscoresBetweenDigits(body) {
			return 0, false
		}
		s = strings.ReplaceAll(s, "_", "")
	}
	for _, c := range body {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || c == '_') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	// Out of range, Python answers ±inf or 0, as strconv does with ErrRange.
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// underscoresBetweenDigits reports whether every '_' in s sits between two
// decimal digits, as Python's float() requires.
func underscoresBetweenDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '_' {
			continue
		}
		if i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
