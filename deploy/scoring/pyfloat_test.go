package scoring

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// FuzzPyFloat: no string panics, and a finite value read is what
// strconv reads once the surrounding whitespace and the underscores
// between digits are gone.
func FuzzPyFloat(f *testing.F) {
	for _, s := range []string{"0.5", " 1e3 ", "1_000.5", "-inf", "nan", "0x10", "1__0", "+-1", "", "1e400", ".5", "5."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := pyFloat([]byte(s))
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		clean := strings.ReplaceAll(strings.Trim(s, " \t\n\r\v\f"), "_", "")
		want, err := strconv.ParseFloat(clean, 64)
		if err != nil || want != v {
			t.Fatalf("pyFloat(%q) = %v, strconv reads %q as %v (%v)", s, v, clean, want, err)
		}
		if strings.ContainsAny(clean, "xXpP") {
			t.Fatalf("pyFloat(%q) accepted a hexadecimal float", s)
		}
	})
}
