package reports

import (
	"regexp"

	"github.com/mlcd-dev/mlcd/compare"
)

// slug returns a file-name-safe form of an untrusted name (compare.Slug,
// which pull requests link with).
func slug(name string) string { return compare.Slug(name) }

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// validDigest reports whether d is a lowercase hex sha256.
func validDigest(d string) bool { return hexDigest.MatchString(d) }
