package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Globs are slash-separated patterns relative to the repository root.
// Within a segment, `*` matches any run of characters, `?` one character
// and `[...]` a class, as in path.Match; a segment that is exactly `**`
// matches zero or more whole segments: `src/**` matches `src/a/b.py`, and
// `**/*.csv` matches `a.csv` and `d/e/a.csv`.

// ValidGlob reports why pattern is not a usable glob, or nil.
func ValidGlob(pattern string) error {
	switch {
	case pattern == "":
		return errors.New("empty glob")
	case strings.HasPrefix(pattern, "/"):
		return fmt.Errorf("glob %q must be relative to the repository root", pattern)
	}
	for _, seg := range strings.Split(pattern, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("glob %q has an empty segment (a '//' or a trailing '/'; write dir/** for a whole folder)", pattern)
		case seg == "." || seg == "..":
			return fmt.Errorf("glob %q has a %q segment; globs are relative to the repository root", pattern, seg)
		case seg == "**":
			continue
		case strings.Contains(seg, "**"):
			return fmt.Errorf("glob %q: ** must be a whole segment, as in src/**/*.py", pattern)
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("invalid glob %q: an unclosed '[' or a trailing '\\'", pattern)
		}
	}
	return nil
}

// MatchPath reports whether the slash-separated relative path name matches
// pattern. An invalid pattern matches nothing.
func MatchPath(pattern, name string) bool {
	if name == "" || ValidGlob(pattern) != nil {
		return false
	}
	return matchSegments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

// matchSegments matches segment by segment; `**` backtracks greedily, so
// the cost is at most len(pat)*len(segs) segment matches.
func matchSegments(pat, segs []string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(segs) {
		switch {
		case pi < len(pat) && pat[pi] == "**":
			starP, starS = pi, si
			pi++
		case pi < len(pat) && matchSegment(pat[pi], segs[si]):
			pi++
			si++
		case starP >= 0:
			starS++
			pi, si = starP+1, starS
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi] == "**" {
		pi++
	}
	return pi == len(pat)
}

func matchSegment(pattern, seg string) bool {
	ok, err := path.Match(pattern, seg)
	return ok && err == nil
}

// ExpandGlobs returns the files under root that match any pattern, as
// sorted, de-duplicated slash-separated paths relative to root. The .git
// folder is never searched. A pattern without wildcards that names a folder
// is an error (write folder/**).
func ExpandGlobs(root string, patterns []string) ([]string, error) {
	if _, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("expand globs: %w", err)
	}
	var bases []string
	found := map[string]bool{}
	for _, pat := range patterns {
		if err := ValidGlob(pat); err != nil {
			return nil, fmt.Errorf("expand globs: %w", err)
		}
		if !hasMeta(pat) {
			if err := addLiteral(root, pat, found); err != nil {
				return nil, err
			}
			continue
		}
		bases = append(bases, literalBase(pat))
	}
	for _, base := range outermost(bases) {
		if err := walkMatches(root, base, patterns, found); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(found))
	for name := range found {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

func hasMeta(pattern string) bool { return strings.ContainsAny(pattern, `*?[\`) }

// literalBase is the folder before the first segment with a wildcard.
func literalBase(pattern string) string {
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		if hasMeta(seg) {
			return strings.Join(segs[:i], "/")
		}
	}
	return pattern
}

// outermost drops the bases inside another base, so no folder is walked twice.
func outermost(bases []string) []string {
	slices.Sort(bases)
	bases = slices.Compact(bases)
	var out []string
	for _, b := range bases {
		if len(out) > 0 {
			last := out[len(out)-1]
			if last == "" || b == last || strings.HasPrefix(b, last+"/") {
				continue
			}
		}
		out = append(out, b)
	}
	return out
}

func addLiteral(root, name string, found map[string]bool) error {
	info, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("expand globs: %w", err)
	case info.IsDir():
		return fmt.Errorf("expand globs: %q is a folder; write %s/** for the files in it", name, name)
	}
	found[name] = true
	return nil
}

func walkMatches(root, base string, patterns []string, found map[string]bool) error {
	start := filepath.Join(root, filepath.FromSlash(base))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, pat := range patterns {
			if MatchPath(pat, rel) {
				found[rel] = true
				break
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("expand globs: %w", err)
	}
	return nil
}
