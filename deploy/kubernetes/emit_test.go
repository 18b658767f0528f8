package kubernetes

import (
	"bytes"
	"testing"

	"sigs.k8s.io/yaml"
)

// FuzzEmit holds the writer to what a YAML reader gives back: every
// string, whatever it looks like, is read back as that string.
func FuzzEmit(f *testing.F) {
	for _, s := range []string{"", "3", "true", "no", "null", "1e3", "0x1F", "~", "- a", "a: b", "#c", "'q'", "\"d\"",
		"line\n", "two\nlines\n", "  lead\n", "trail \n", "tab\tin\n", "\n", "a\n\n", "x\r\ny\n", "é\u2028\n", "\x00", "key: |\n  x\n"} {
		f.Add(s, "k")
	}
	f.Fuzz(func(t *testing.T, s, k string) {
		if !utf8Valid(s) || !utf8Valid(k) {
			return // the manifests hold text; quote replaces invalid bytes
		}
		if len(k) > 200 {
			return // keys are mlcd's own short names; YAML caps implicit keys at 1024 characters
		}
		doc := object{{"s", s}, {"l", literal(s)}, {"m", object{{k, s}}}, {"q", list{s, object{{"x", literal(s)}}}}}
		var b bytes.Buffer
		emit(&b, doc)
		var got struct {
			S string            `json:"s"`
			L string            `json:"l"`
			M map[string]string `json:"m"`
			Q []any             `json:"q"`
		}
		if err := yaml.UnmarshalStrict(b.Bytes(), &got); err != nil {
			if k == "s" || k == "l" || k == "m" || k == "q" {
				return
			}
			t.Fatalf("emitted YAML does not decode: %v\n%s", err, b.Bytes())
		}
		if got.S != s || got.L != s || got.M[k] != s || len(got.Q) != 2 || got.Q[0] != s {
			t.Fatalf("read back %q %q %q %v, want %q (key %q)\n%s", got.S, got.L, got.M, got.Q, s, k, b.Bytes())
		}
		if m, ok := got.Q[1].(map[string]any); !ok || m["x"] != s {
			t.Fatalf("literal in a list read back as %v, want %q\n%s", got.Q[1], s, b.Bytes())
		}
	})
}

func utf8Valid(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' {
			return false
		}
	}
	return true
}
