package registry

import "fmt"

// The keys of a version file, in file order.
var (
	topKeys = []string{"schema", "model", "version", "stage", "aliases", "description", "run", "pipeline",
		"task", "commit", "artifact", "flavor", "serve", "input_example", "metrics", "params", "created"}
	artifactKeys = []string{"file", "sha256", "size"}
)

// didYouMean returns ` (did you mean "x"?)` for the known key closest to
// key, when one is within two edits, and "" otherwise.
func didYouMean(key string, known []string) string {
	best, dist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
