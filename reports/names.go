package reports

import (
	"github.com/mlcd-dev/mlcd/compare"
)

// slug returns a file-name-safe form of an untrusted name (compare.Slug,
// which pull requests link with).
func slug(name string) string { return compare.Slug(name) }

// validDigest reports whether d is a lowercase hex sha256. Every build
// checks the 40,000 log digests of a 10,000-run manifest: a loop, not a
// regular expression.
func validDigest(d string) bool {
	if len(d) != 64 {
		return false
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
