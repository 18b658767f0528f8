package compare

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// FormatValue prints a param value (string, number, bool, or anything a
// JSON record may hold) for a table cell.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return FormatFloat(x)
	case bool, int, int64, json.Number:
		return fmt.Sprint(x)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// FormatFloat prints a metric with up to 6 significant digits.
func FormatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// safeName matches names usable as they are in a file name and a URL path.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Slug returns a file-name-safe form of an untrusted name, as the report
// names its folders and pages: the name itself when it is plain, otherwise
// "x-" and a hash, so that "../x" or "a/b" can never escape the site
// folder, never collide with the site's own files (index.html,
// page-2.html) and two names never share a file.
func Slug(name string) string {
	if safeName.MatchString(name) && !strings.HasPrefix(name, "x-") &&
		!strings.HasSuffix(name, ".html") && !strings.HasSuffix(name, ".js") {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return "x-" + hex.EncodeToString(sum[:10])
}
