package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// safeName matches names usable as they are in a file name and a URL path.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// slug returns a file-name-safe form of an untrusted name: the name itself
// when it is plain, otherwise "x-" and a hash, so that "../x" or "a/b" can
// never escape the site folder, never collide with the site's own files
// (index.html, page-2.html) and two names never share a file.
func slug(name string) string {
	if safeName.MatchString(name) && !strings.HasPrefix(name, "x-") &&
		!strings.HasSuffix(name, ".html") && !strings.HasSuffix(name, ".js") {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return "x-" + hex.EncodeToString(sum[:10])
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// validDigest reports whether d is a lowercase hex sha256.
func validDigest(d string) bool { return hexDigest.MatchString(d) }
