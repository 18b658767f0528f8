package store

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A folder (an MLflow model folder: MLmodel, the model file, conda.yaml,
// ...) is stored as its files' objects plus one manifest object that lists
// them; the manifest's digest names the whole folder, and reading it back
// verifies every file. The manifest is text:
//
//	mlcd-folder 1
//	<sha256> <size> <path>
//	...
//
// one line per file, paths slash-separated, relative to the folder,
// sorted, each once.

// ManifestMagic starts every manifest.
const ManifestMagic = "mlcd-folder 1\n"

// Bounds of a manifest.
const (
	MaxManifestSize    = 8 << 20
	maxManifestEntries = 100000
)

// ManifestEntry is one file of a folder.
type ManifestEntry struct {
	Path   string // slash-separated, relative to the folder
	SHA256 string
	Size   int64
}

// IsManifest reports whether an object's first bytes are a manifest's.
func IsManifest(head []byte) bool { return bytes.HasPrefix(head, []byte(ManifestMagic)) }

// EncodeManifest writes the manifest of entries (sorted by path here). It
// refuses what DecodeManifest refuses.
func EncodeManifest(entries []ManifestEntry) ([]byte, error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b ManifestEntry) int { return strings.Compare(a.Path, b.Path) })
	var b bytes.Buffer
	b.WriteString(ManifestMagic)
	for _, e := range entries {
		fmt.Fprintf(&b, "%s %d %s\n", e.SHA256, e.Size, e.Path)
	}
	if _, err := DecodeManifest(b.Bytes()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DecodeManifest reads a manifest strictly: every path must stay inside
// the folder (no "..", no absolute path, clean), be listed once, in order,
// and no file may also be a folder of another entry.
func DecodeManifest(data []byte) ([]ManifestEntry, error) {
	switch {
	case len(data) > MaxManifestSize:
		return nil, fmt.Errorf("manifest: larger than %d bytes", MaxManifestSize)
	case !IsManifest(data):
		return nil, errors.New("manifest: no mlcd-folder header")
	case !utf8.Valid(data):
		return nil, errors.New("manifest: not valid UTF-8")
	}
	body := string(data[len(ManifestMagic):])
	if body != "" && !strings.HasSuffix(body, "\n") {
		return nil, errors.New("manifest: the last line has no newline")
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if body == "" || len(lines) > maxManifestEntries {
		return nil, fmt.Errorf("manifest: want 1 to %d files", maxManifestEntries)
	}
	entries := make([]ManifestEntry, 0, len(lines))
	files := make(map[string]bool, len(lines))
	for i, line := range lines {
		e, err := manifestLine(line)
		if err != nil {
			return nil, fmt.Errorf("manifest line %d: %w", i+2, err)
		}
		if i > 0 && e.Path <= entries[i-1].Path {
			return nil, fmt.Errorf("manifest line %d: %q is not after %q (sorted, once each)", i+2, e.Path, entries[i-1].Path)
		}
		// A file sorts before the paths under it: check the parents.
		for j := range len(e.Path) {
			if e.Path[j] == '/' && files[e.Path[:j]] {
				return nil, fmt.Errorf("manifest line %d: %q is inside %q, which is a file", i+2, e.Path, e.Path[:j])
			}
		}
		files[e.Path] = true
		entries = append(entries, e)
	}
	return entries, nil
}

func manifestLine(line string) (ManifestEntry, error) {
	digest, rest, ok1 := strings.Cut(line, " ")
	size, p, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 {
		return ManifestEntry{}, errors.New("want <sha256> <size> <path>")
	}
	if err := CheckDigest(digest); err != nil {
		return ManifestEntry{}, err
	}
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != size {
		return ManifestEntry{}, fmt.Errorf("size %q is not a byte count", size)
	}
	if err := checkRelPath(p); err != nil {
		return ManifestEntry{}, err
	}
	return ManifestEntry{Path: p, SHA256: digest, Size: n}, nil
}

// checkRelPath accepts a clean, slash-separated path inside a folder.
func checkRelPath(p string) error {
	switch {
	case p == "" || p == "." || path.Clean(p) != p:
		return fmt.Errorf("path %q is not clean", p)
	case strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("path %q leaves the folder", p)
	case strings.ContainsAny(p, "\\\x00\r"):
		return fmt.Errorf("path %q has a backslash or control character", p)
	}
	return nil
}
