package yamltree

import (
	"fmt"
	"strings"
)

// Suggest returns ` (did you mean "x"?)` for the word of known closest to
// word, ignoring case, when it is at most maxDist edits away (a swap of
// two neighbours counts as one), and "" otherwise. Of equally close words
// the first in known wins.
func Suggest(word string, known []string, maxDist int) string {
	best, bestDist := "", 0
	lw := strings.ToLower(word)
	for _, k := range known {
		d := EditDistance(lw, strings.ToLower(k))
		if best == "" || d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist > maxDist {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// EditDistance is the Levenshtein distance between a and b in runes,
// counting a swap of two neighbours as one edit.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
