package yamltree

import (
	"fmt"
	"strings"
)

// Quote writes s as a double-quoted YAML scalar, which every YAML reader
// takes back as exactly s: the characters YAML does not allow raw
// (controls, DEL, C1, byte order marks, line and paragraph separators) are
// escaped, and a byte that is not UTF-8 becomes U+FFFD. The writers of
// YAML mlcd generates (Kubernetes manifests, GitHub Actions workflows) use
// it for every string they cannot write plain.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r) // an invalid byte is written as U+FFFD
		}
	}
	b.WriteByte('"')
	return b.String()
}
