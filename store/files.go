package store

import (
	"context"
	"fmt"
)

// Fetch copies the object from src into s unless s holds it already. The
// copy is verified on the way (src's Open) and written like any Put: a
// corrupt or cut copy leaves nothing.
func (s *Local) Fetch(ctx context.Context, src Store, digest string) error {
	if err := CheckDigest(digest); err != nil {
		return fmt.Errorf("fetch object: %w", err)
	}
	if s.has(digest) {
		return nil
	}
	r, err := src.Open(ctx, digest)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	defer r.Close()
	if _, err := s.Put(ctx, r); err != nil {
		return fmt.Errorf("fetch %s from %s: %w", digest, src, err)
	}
	return nil
}

// Files is a folder where the objects of st are files, for readers that
// need files (the report copies logs and artifacts from one): a folder
// store's own folder, or else mirror, a folder store that fetch fills
// from st one object at a time. fetch is nil for a folder store.
func Files(ctx context.Context, st Store, mirror string) (root string, fetch func(digest string) error, err error) {
	if l, ok := st.(*Local); ok {
		return l.Root(), nil, nil
	}
	m, err := Open(mirror)
	if err != nil {
		return "", nil, fmt.Errorf("local copy of store %s: %w", st, err)
	}
	return m.Root(), func(digest string) error { return m.Fetch(ctx, st, digest) }, nil
}
