package reports

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzJSONEncoding holds appendJSONString and appendJSONFloat to
// json.Marshal, byte for byte.
func FuzzJSONEncoding(f *testing.F) {
	for _, s := range []string{"", "plain", `"\` + "\b\f\n\r\t\x00\x1f\x7f", "</script><img src=x onerror=alert(1)>&",
		"\u2028\u2029é日本\U0001F600", "\xff\xfe bad \xc3", "a\u2027b"} {
		f.Add(s, 0.5)
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1.5, 1e-6, 9.99e-7, 1e21, 1e20, 1e-9, -3e-10, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1 + 0.2} {
		f.Add("", v)
	}
	f.Fuzz(func(t *testing.T, s string, v float64) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("string %q: got %s, want %s", s, got, want)
		}
		if !finite(v) {
			return
		}
		want, err = json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONFloat(nil, v); string(got) != string(want) {
			t.Errorf("float %v: got %s, want %s", v, got, want)
		}
	})
}
