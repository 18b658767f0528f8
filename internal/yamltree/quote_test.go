package yamltree

import (
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// FuzzQuote: whatever the text, the quoted scalar reads back as exactly it.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "plain", "a \"b\" \\c", "line\nbreak\ttab", "\x00\x1f\x7f\u0085\u2028\ufeff", "yes", "3", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // Quote writes text; an invalid byte becomes U+FFFD
		}
		var got struct {
			V string `json:"v"`
		}
		if err := yaml.UnmarshalStrict([]byte("v: "+Quote(s)+"\n"), &got); err != nil {
			t.Fatalf("Quote(%q) = %s does not parse: %v", s, Quote(s), err)
		}
		if got.V != s {
			t.Errorf("Quote(%q) = %s reads back as %q", s, Quote(s), got.V)
		}
	})
}
