package executor

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// expandInputs returns the files, slash-separated and relative to root,
// that the globs match: path.Match syntax per segment, "**" for any number
// of folders, and a pattern naming a folder means every file under it.
func expandInputs(root string, patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	for _, p := range patterns {
		if _, err := path.Match(strings.ReplaceAll(p, "**", "*"), ""); err != nil {
			return nil, fmt.Errorf("input %q: %w", p, err)
		}
	}
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		for _, pat := range patterns {
			if matchInput(strings.TrimPrefix(path.Clean(pat), "./"), rel) {
				seen[rel] = true
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	files := make([]string, 0, len(seen))
	for f := range seen {
		files = append(files, f)
	}
	slices.Sort(files)
	return files, nil
}

// matchInput matches a file against a pattern or against any folder
// above it.
func matchInput(pattern, file string) bool {
	ps, fs := strings.Split(pattern, "/"), strings.Split(file, "/")
	for n := len(fs); n > 0; n-- {
		if matchSegments(ps, fs[:n]) {
			return true
		}
	}
	return false
}

func matchSegments(ps, fs []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for i := 0; i <= len(fs); i++ {
				if matchSegments(ps[1:], fs[i:]) {
					return true
				}
			}
			return false
		}
		if len(fs) == 0 {
			return false
		}
		if ok, _ := path.Match(ps[0], fs[0]); !ok {
			return false
		}
		ps, fs = ps[1:], fs[1:]
	}
	return len(fs) == 0
}
