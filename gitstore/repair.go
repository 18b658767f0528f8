package gitstore

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// repairRefs fixes what a kill -9 can leave in mlcd's own bare clone.
// go-git writes a loose ref in place (truncate, then write), not through a
// temporary file and a rename, so a process killed between the two leaves
// an empty ref file, and every later fetch of that clone fails with "ref
// file is empty". The clone is mlcd's cache of the remote: a broken ref
// under refs/ is removed (the next fetch writes it again) and a broken
// HEAD is written again, naming branch. It returns the files it repaired.
func repairRefs(dir, branch string) ([]string, error) {
	var fixed []string
	head := filepath.Join(dir, "HEAD")
	if data, err := os.ReadFile(head); err == nil && !validRef(data) {
		if err := os.WriteFile(head, []byte("ref: refs/heads/"+branch+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("repair %s: %w", head, err)
		}
		fixed = append(fixed, "HEAD")
	}
	err := filepath.WalkDir(filepath.Join(dir, "refs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if validRef(data) {
			return nil
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fixed = append(fixed, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return fixed, fmt.Errorf("repair the refs of %s: %w", dir, err)
	}
	return fixed, nil
}

// validRef reports whether data is a loose ref git can read: a 40-digit
// hash or a symbolic "ref: " line.
func validRef(data []byte) bool {
	line := strings.TrimSpace(string(bytes.SplitN(data, []byte("\n"), 2)[0]))
	if target, ok := strings.CutPrefix(line, "ref: "); ok {
		return strings.HasPrefix(target, "refs/") || target == "HEAD"
	}
	if len(line) != 40 {
		return false
	}
	_, err := hex.DecodeString(line)
	return err == nil
}
