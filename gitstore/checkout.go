package gitstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Checkout writes commit's tree into dir, which must be absent or empty, so
// a run sees exactly one commit. The files are written into a temporary
// sibling folder first and moved into place at the end: dir never holds a
// half-written tree. Submodules become empty folders.
func (r *Repo) Checkout(ctx context.Context, commit, dir string) error {
	root, err := r.commitTree(commit)
	if err != nil {
		return err
	}
	if err := requireEmpty(dir); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".checkout-*")
	if err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := r.writeTree(ctx, root, tmp); err != nil {
		return fmt.Errorf("checkout %s: %w", short(commit), err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	os.Remove(dir) // an empty dir; Rename cannot replace it
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	return nil
}

func requireEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("checkout: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("checkout into %s: directory is not empty", dir)
	}
	return nil
}

// writeTree writes the tree h into the existing folder dir.
func (r *Repo) writeTree(ctx context.Context, h plumbing.Hash, dir string) error {
	entries, err := r.treeEntries(h)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !safeName(e.Name) {
			return fmt.Errorf("unsafe name %q in tree %s", e.Name, short(h.String()))
		}
		target := filepath.Join(dir, e.Name)
		if err := r.writeEntry(ctx, e.Mode, e.Hash, target); err != nil {
			return err
		}
	}
	return nil
}

func (r *Repo) writeEntry(ctx context.Context, mode filemode.FileMode, h plumbing.Hash, target string) error {
	switch mode {
	case filemode.Dir:
		if err := os.Mkdir(target, 0o755); err != nil {
			return err
		}
		return r.writeTree(ctx, h, target)
	case filemode.Submodule:
		return os.Mkdir(target, 0o755)
	}
	data, err := r.blobBytes(h)
	if err != nil {
		return err
	}
	switch mode {
	case filemode.Symlink:
		return os.Symlink(string(data), target)
	case filemode.Executable:
		return os.WriteFile(target, data, 0o755)
	}
	return os.WriteFile(target, data, 0o644)
}

// safeName rejects tree entry names that would escape the folder or touch
// git's own.
func safeName(name string) bool {
	switch name {
	case "", ".", "..", ".git":
		return false
	}
	return filepath.Base(name) == name && !containsSep(name)
}

func containsSep(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] == '/' || name[i] == '\\' || name[i] == 0 {
			return true
		}
	}
	return false
}
