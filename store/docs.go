package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
)

// ErrBadDocName is returned for a document name that is not a relative,
// slash-separated path of plain segments.
var ErrBadDocName = errors.New("bad document name")

// MaxDocSize bounds a named document: they are small JSON files (cache
// index entries, run plans, task results), never artifacts.
const MaxDocSize = 16 << 20

// CacheIndex is the folder of the documents that make up the task cache
// index (CacheIndex + key). Losing one costs a cache miss, nothing more,
// so a folder store does not wait for the disk to write them (no fsync): a
// crash may lose the latest entries or leave one empty, which reads as a
// miss. Every other document is synced before WriteDoc returns.
const CacheIndex = "cache/"

// Named documents are the store's only mutable part: small files under a
// name (cache/<key>, runs/<run>/...), replaced whole, that machines sharing
// the store use to find each other's objects. Content lives in objects.

// WriteDoc replaces the document called name with data. A reader sees the
// old or the new content, never a part. Documents under CacheIndex are not
// synced to the disk.
func (s *Local) WriteDoc(ctx context.Context, name string, data []byte) error {
	if err := CheckDocName(name); err != nil {
		return fmt.Errorf("write document: %w", err)
	}
	if len(data) > MaxDocSize {
		return fmt.Errorf("write document %s: %d bytes, over the %d-byte limit", name, len(data), MaxDocSize)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	path := s.docPath(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write document %s: %w", name, err)
	}
	write := atomicfile.WriteFile
	if strings.HasPrefix(name, CacheIndex) {
		write = writeUnsynced
	}
	if err := write(path, data, 0o644); err != nil {
		return fmt.Errorf("write document %s: %w", name, err)
	}
	return nil
}

// writeUnsynced replaces the file at path with data through a temporary
// file in its folder, renamed into place, without fsync: readers see the
// old or the new content while the system runs.
func writeUnsynced(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// ReadDoc returns the document called name; its error wraps ErrNotFound
// when there is none.
func (s *Local) ReadDoc(ctx context.Context, name string) ([]byte, error) {
	if err := CheckDocName(name); err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.docPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read document %s in store %s: %w", name, s.root, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", name, err)
	}
	defer f.Close()
	data, err := readBounded(f, MaxDocSize)
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", name, err)
	}
	return data, nil
}

// docPath keeps documents under <root>/docs, apart from the objects; the
// cache index is the documents under cache/.
func (s *Local) docPath(name string) string {
	return filepath.Join(s.root, "docs", filepath.FromSlash(name))
}

// CheckDocName accepts names like "cache/ab12" or "runs/<id>/plan.json":
// relative, slash-separated, no empty, "." or ".." segment, no backslash,
// at most 512 bytes of printable ASCII.
func CheckDocName(name string) error {
	if name == "" || len(name) > 512 || strings.HasPrefix(name, "/") {
		return fmt.Errorf("%q: %w", name, ErrBadDocName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' || c == '\\' {
			return fmt.Errorf("%q: %w", name, ErrBadDocName)
		}
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%q: %w", name, ErrBadDocName)
		}
	}
	return nil
}

// readBounded reads r to its end, failing past limit bytes.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("over the %d-byte limit", limit)
	}
	return data, nil
}
