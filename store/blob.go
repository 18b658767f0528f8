package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Blob is a store in a bucket of an object store (S3 and S3-compatible
// servers, Google Cloud Storage, Azure Blob Storage) through
// gocloud.dev/blob. Objects are named sha256/<2 hex>/<62 hex> and documents
// docs/<name> under the URL's prefix, as in a Local store's folder.
//
// An object is uploaded under its real name only once its digest is known,
// in one request that the server completes or discards (S3's PutObject, a
// multipart upload completed at the end): a failed or cut upload leaves no
// object. Writers of the same object race harmlessly, as they write the
// same bytes.
type Blob struct {
	bucket *blob.Bucket // with the URL's prefix
	name   string       // the URL without credentials, for messages
}

const (
	objectPrefix = "sha256/"
	docPrefix    = "docs/"
	// contentType of every object and document: the store keeps bytes.
	contentType = "application/octet-stream"
)

// String is the store's URL without credentials.
func (s *Blob) String() string { return s.name }

// Close releases the bucket.
func (s *Blob) Close() error { return s.bucket.Close() }

func objectKey(digest string) string {
	return objectPrefix + digest[:2] + "/" + digest[2:]
}

// Has asks the bucket for the object's attributes (a HEAD request).
func (s *Blob) Has(ctx context.Context, digest string) (bool, error) {
	if err := CheckDigest(digest); err != nil {
		return false, fmt.Errorf("has object: %w", err)
	}
	ok, err := s.bucket.Exists(ctx, objectKey(digest))
	if err != nil {
		return false, fmt.Errorf("has object %s in store %s: %w", digest, s.name, err)
	}
	return ok, nil
}

// Put stages r in a temporary file (os.TempDir) while hashing it, then
// uploads the file under its digest (upload).
func (s *Blob) Put(ctx context.Context, r io.Reader) (Object, error) {
	if err := ctx.Err(); err != nil {
		return Object{}, err
	}
	f, err := os.CreateTemp("", "mlcd-put-*")
	if err != nil {
		return Object{}, fmt.Errorf("put: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return Object{}, fmt.Errorf("put: %w", err)
	}
	obj := Object{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Object{}, fmt.Errorf("put: %w", err)
	}
	return obj, s.upload(ctx, obj, f)
}

// PutFile hashes the file, then uploads it under its digest (upload). The
// upload hashes the file again as it reads it and fails before the last
// byte leaves when the file changed in between, so that no other content
// lands under the digest.
func (s *Blob) PutFile(ctx context.Context, path string) (Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return Object{}, fmt.Errorf("put file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Object{}, fmt.Errorf("put file %s: %w", path, err)
	}
	obj := Object{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Object{}, fmt.Errorf("put file %s: %w", path, err)
	}
	if err := s.upload(ctx, obj, f); err != nil {
		return Object{}, fmt.Errorf("put file %s: %w", path, err)
	}
	return obj, nil
}

// askFirst is the size from which upload asks whether the bucket holds an
// object before sending it; a smaller one (a task's log) is sent in the
// time the question would take.
const askFirst = 64 << 10

// upload writes the content of r, which must hash to obj, under obj's
// name, unless an object of askFirst bytes or more is already there.
func (s *Blob) upload(ctx context.Context, obj Object, r io.Reader) error {
	key := objectKey(obj.SHA256)
	if obj.Size >= askFirst {
		exists, err := s.bucket.Exists(ctx, key)
		if err != nil {
			return fmt.Errorf("put %s in store %s: %w", obj.SHA256, s.name, err)
		}
		if exists {
			return nil
		}
	}
	body := &checkedReader{r: io.LimitReader(r, obj.Size+1), h: sha256.New(), want: obj}
	opts := &blob.WriterOptions{ContentType: contentType}
	if err := s.bucket.Upload(ctx, key, body, opts); err != nil {
		return fmt.Errorf("put %s in store %s: %w", obj.SHA256, s.name, err)
	}
	return nil
}

// checkedReader is an upload's body: its read that reaches the end fails
// when the content read is not the object's, which aborts the upload before
// it completes.
type checkedReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want Object
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(c.h.Sum(nil)); c.n != c.want.Size || got != c.want.SHA256 {
			return n, fmt.Errorf("object %s: content changed while stored (%d bytes hashing to %s)", c.want.SHA256, c.n, got)
		}
	}
	return n, err
}

// Open returns a reader of the object that verifies its digest at the end.
func (s *Blob) Open(ctx context.Context, digest string) (io.ReadCloser, error) {
	if err := CheckDigest(digest); err != nil {
		return nil, fmt.Errorf("open object: %w", err)
	}
	r, err := s.bucket.NewReader(ctx, objectKey(digest), nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("open object %s in store %s: %w", digest, s.name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open object %s in store %s: %w", digest, s.name, err)
	}
	return newVerifier(r, digest), nil
}

// WriteDoc uploads the document in one request: a reader sees the old or
// the new content, never a part.
func (s *Blob) WriteDoc(ctx context.Context, name string, data []byte) error {
	if err := CheckDocName(name); err != nil {
		return fmt.Errorf("write document: %w", err)
	}
	if len(data) > MaxDocSize {
		return fmt.Errorf("write document %s: %d bytes, over the %d-byte limit", name, len(data), MaxDocSize)
	}
	if err := s.bucket.WriteAll(ctx, docPrefix+name, data, &blob.WriterOptions{ContentType: contentType}); err != nil {
		return fmt.Errorf("write document %s in store %s: %w", name, s.name, err)
	}
	return nil
}

// ReadDoc returns the document called name; its error wraps ErrNotFound
// when there is none.
func (s *Blob) ReadDoc(ctx context.Context, name string) ([]byte, error) {
	if err := CheckDocName(name); err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	r, err := s.bucket.NewReader(ctx, docPrefix+name, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("read document %s in store %s: %w", name, s.name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read document %s in store %s: %w", name, s.name, err)
	}
	defer r.Close()
	data, err := readBounded(r, MaxDocSize)
	if err != nil {
		return nil, fmt.Errorf("read document %s in store %s: %w", name, s.name, err)
	}
	return data, nil
}
