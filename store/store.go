package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Errors of the store.
var (
	// ErrNotFound is returned by Open for a digest the store does not hold.
	ErrNotFound = errors.New("object not found")
	// ErrCorrupt is returned at the end of reading an object whose content
	// does not match its digest.
	ErrCorrupt = errors.New("object corrupt")
	// ErrBadDigest is returned for a string that is not a sha256 in hex.
	ErrBadDigest = errors.New("not a sha256 hex digest")
)

// Store is an artifact store: content-addressed objects, verified when
// read, and the named documents machines sharing the store meet through.
// Local (a folder) and Blob (a bucket of S3, GCS or Azure) are stores;
// OpenURL chooses one by the URL's scheme.
type Store interface {
	// Put stores the content of r under its sha256; a large object that
	// is already stored is not sent again. A failed Put leaves no object.
	Put(ctx context.Context, r io.Reader) (Object, error)
	// PutFile stores the content of the file at path.
	PutFile(ctx context.Context, path string) (Object, error)
	// Open returns a reader of the object whose read that reaches the end
	// fails with ErrCorrupt when the content does not match the digest;
	// ErrNotFound when the store does not hold it.
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
	// Has reports whether the store holds the object (for a bucket, one
	// HEAD request).
	Has(ctx context.Context, digest string) (bool, error)
	// WriteDoc replaces the document called name (CheckDocName) whole.
	WriteDoc(ctx context.Context, name string, data []byte) error
	// ReadDoc returns the document called name, ErrNotFound when missing.
	ReadDoc(ctx context.Context, name string) ([]byte, error)
	// String names the store for messages, without credentials.
	String() string
}

var (
	_ Store = (*Local)(nil)
	_ Store = (*Blob)(nil)
)

// Object is a stored blob.
type Object struct {
	SHA256 string // lowercase hex
	Size   int64
}

// Local is a store in a folder of the local file system.
type Local struct {
	root string
}

// Open opens (and creates when missing) the folder store at url: a
// file:///absolute/path URL or a plain path.
func Open(rawURL string) (*Local, error) {
	root, err := localPath(rawURL)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(root, "sha256"), 0o755); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return &Local{root: root}, nil
}

func localPath(rawURL string) (string, error) {
	if rawURL == "" {
		return "", errors.New("open store: empty location")
	}
	if !strings.Contains(rawURL, "://") {
		return filepath.Abs(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("open store %q: %w", rawURL, err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("open store: unsupported scheme %q (want a path, file://, s3://, gs:// or azblob://)", u.Scheme)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("open store %q: file URL with a host", rawURL)
	}
	if !filepath.IsAbs(u.Path) {
		return "", fmt.Errorf("open store %q: file URL path must be absolute", rawURL)
	}
	return filepath.Clean(u.Path), nil
}

// Root is the folder of the store.
func (s *Local) Root() string { return s.root }

// String is the folder of the store.
func (s *Local) String() string { return s.root }

// Path is where the object with this digest lives (or would live).
func (s *Local) Path(digest string) string {
	if len(digest) < 3 {
		return filepath.Join(s.root, "sha256", digest)
	}
	return filepath.Join(s.root, "sha256", digest[:2], digest[2:])
}

// Has reports whether the store holds the object.
func (s *Local) Has(ctx context.Context, digest string) (bool, error) {
	if err := CheckDigest(digest); err != nil {
		return false, fmt.Errorf("has object: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return s.has(digest), nil
}

func (s *Local) has(digest string) bool {
	fi, err := os.Stat(s.Path(digest))
	return err == nil && fi.Mode().IsRegular()
}

// Put stores the content of r, hashing it while it is written to a
// temporary file that is fsynced and renamed into place. An object that is
// already stored is not rewritten.
func (s *Local) Put(ctx context.Context, r io.Reader) (Object, error) {
	if err := ctx.Err(); err != nil {
		return Object{}, err
	}
	dir := filepath.Join(s.root, "sha256")
	f, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return Object{}, fmt.Errorf("put: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Chmod(0o444)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Object{}, fmt.Errorf("put: %w", err)
	}
	obj := Object{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	if s.has(obj.SHA256) {
		return obj, nil
	}
	return obj, s.place(tmp, obj.SHA256)
}

func (s *Local) place(tmp, digest string) error {
	dst := s.Path(digest)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("put %s: %w", digest, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("put %s: %w", digest, err)
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return fmt.Errorf("put %s: %w", digest, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("put %s: sync directory: %w", digest, err)
	}
	return nil
}

// PutFile stores the content of the file at path.
func (s *Local) PutFile(ctx context.Context, path string) (Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return Object{}, fmt.Errorf("put file: %w", err)
	}
	defer f.Close()
	obj, err := s.Put(ctx, f)
	if err != nil {
		return Object{}, fmt.Errorf("put file %s: %w", path, err)
	}
	return obj, nil
}

// Open returns a reader of the object. The content is hashed while it is
// read, and the read that reaches the end returns ErrCorrupt instead of
// io.EOF when it does not match the digest.
func (s *Local) Open(ctx context.Context, digest string) (io.ReadCloser, error) {
	if err := CheckDigest(digest); err != nil {
		return nil, fmt.Errorf("open object: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.Path(digest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open object %s in store %s: %w", digest, s.root, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open object: %w", err)
	}
	return newVerifier(f, digest), nil
}

// verifier hashes what is read and checks it at EOF.
type verifier struct {
	f    io.ReadCloser
	h    hash.Hash
	want string
}

func newVerifier(f io.ReadCloser, digest string) *verifier {
	return &verifier{f: f, h: sha256.New(), want: digest}
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			return n, fmt.Errorf("object %s: content hashes to %s: %w", v.want, got, ErrCorrupt)
		}
	}
	return n, err
}

func (v *verifier) Close() error { return v.f.Close() }

// CheckDigest returns ErrBadDigest unless d is 64 lowercase hex digits.
func CheckDigest(d string) error {
	if len(d) != sha256.Size*2 {
		return fmt.Errorf("%q: %w", d, ErrBadDigest)
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%q: %w", d, ErrBadDigest)
		}
	}
	return nil
}
