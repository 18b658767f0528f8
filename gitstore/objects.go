package gitstore

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// The helpers below are the only places that touch the object storage;
// each holds r.st for one object.

// parseHash accepts a full hexadecimal commit hash.
func parseHash(s string) (plumbing.Hash, error) {
	if len(s) != 40 || !plumbing.IsHash(s) {
		return plumbing.ZeroHash, fmt.Errorf("commit %q: not a full hash: %w", s, ErrNotFound)
	}
	return plumbing.NewHash(s), nil
}

func (r *Repo) commitObject(h plumbing.Hash) (*object.Commit, error) {
	r.st.Lock()
	defer r.st.Unlock()
	c, err := object.GetCommit(r.storer(), h)
	if err != nil {
		return nil, objectErr("commit "+short(h.String()), err)
	}
	return c, nil
}

// commitTree returns the root tree hash of the commit named by s.
func (r *Repo) commitTree(s string) (plumbing.Hash, error) {
	h, err := parseHash(s)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c, err := r.commitObject(h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return c.TreeHash, nil
}

// treeEntries returns the entries of tree h, sorted as git sorts them; the
// zero hash is the empty tree.
func (r *Repo) treeEntries(h plumbing.Hash) ([]object.TreeEntry, error) {
	if h.IsZero() {
		return nil, nil
	}
	if entries, ok := r.cache.tree(h); ok {
		return entries, nil
	}
	r.st.Lock()
	defer r.st.Unlock()
	t, err := object.GetTree(r.storer(), h)
	if err != nil {
		return nil, objectErr("tree "+short(h.String()), err)
	}
	r.cache.putTree(h, t.Entries)
	return t.Entries, nil
}

func (r *Repo) blobBytes(h plumbing.Hash) ([]byte, error) {
	if data, ok := r.cache.blob(h); ok {
		return data, nil
	}
	r.st.Lock()
	defer r.st.Unlock()
	o, err := r.storer().EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, objectErr("blob "+short(h.String()), err)
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", short(h.String()), err)
	}
	defer rd.Close()
	buf := bytes.NewBuffer(make([]byte, 0, o.Size()))
	if _, err := io.Copy(buf, rd); err != nil {
		return nil, fmt.Errorf("blob %s: %w", short(h.String()), err)
	}
	r.cache.putBlob(h, buf.Bytes())
	return buf.Bytes(), nil
}

func (r *Repo) blobSize(h plumbing.Hash) (int64, error) {
	r.st.Lock()
	defer r.st.Unlock()
	o, err := r.storer().EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return 0, objectErr("blob "+short(h.String()), err)
	}
	return o.Size(), nil
}

// entryAt finds path (slash-separated, relative) in tree root. ok is false
// when the path does not exist; a path through a file does not exist.
func (r *Repo) entryAt(root plumbing.Hash, path string) (e object.TreeEntry, ok bool, err error) {
	e = object.TreeEntry{Mode: filemode.Dir, Hash: root}
	if path == "." || path == "" {
		return e, true, nil
	}
	for _, name := range strings.Split(path, "/") {
		if e.Mode != filemode.Dir {
			return e, false, nil
		}
		entries, err := r.treeEntries(e.Hash)
		if err != nil {
			return e, false, err
		}
		e, ok = findEntry(entries, name)
		if !ok {
			return e, false, nil
		}
	}
	return e, true, nil
}

// findEntry finds name among sorted tree entries.
func findEntry(entries []object.TreeEntry, name string) (object.TreeEntry, bool) {
	for _, e := range entries {
		if e.Name == name {
			return e, true
		}
	}
	return object.TreeEntry{}, false
}

// writeObject stores an encoded object and returns its hash.
func (r *Repo) writeObject(t plumbing.ObjectType, encode func(plumbing.EncodedObject) error) (plumbing.Hash, error) {
	r.st.Lock()
	defer r.st.Unlock()
	o := r.storer().NewEncodedObject()
	o.SetType(t)
	if err := encode(o); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode %s: %w", t, err)
	}
	h, err := r.storer().SetEncodedObject(o)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store %s: %w", t, err)
	}
	return h, nil
}

// storeEncoded stores an object encoded in memory.
func (r *Repo) storeEncoded(o plumbing.EncodedObject) (plumbing.Hash, error) {
	r.st.Lock()
	defer r.st.Unlock()
	h, err := r.storer().SetEncodedObject(o)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store %s: %w", o.Type(), err)
	}
	return h, nil
}

func (r *Repo) writeBlob(data []byte) (plumbing.Hash, error) {
	return r.writeObject(plumbing.BlobObject, func(o plumbing.EncodedObject) error {
		w, err := o.Writer()
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	})
}

// notExist is the error for a path absent at a commit.
func notExist(path, commit string) error {
	return &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w at %s (%w)", fs.ErrNotExist, short(commit), ErrNotFound)}
}
