package deploy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// fetch copies the artifact of v from the store to its folder in the
// deploy folder, under the model's file name, and returns its path. The
// store verifies the content while it is copied; a corrupt object leaves
// no file. An artifact that is a folder's manifest (an MLflow model
// folder) becomes that folder, every file verified.
func (d *Deployer) fetch(ctx context.Context, v *registry.Version) (string, error) {
	digest := v.Artifact.SHA256
	if err := store.CheckDigest(digest); err != nil {
		return "", fmt.Errorf("artifact: %w", err)
	}
	name := path.Base(v.Artifact.File)
	if name == "." || name == "/" || name == "" || name == ".." {
		name = "model"
	}
	dst := filepath.Join(d.versionDir(v), name)
	rc, err := d.cfg.Store.Open(ctx, digest)
	if err != nil {
		return "", fmt.Errorf("fetch artifact: %w", err)
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	if head, _ := br.Peek(len(store.ManifestMagic)); store.IsManifest(head) {
		return dst, d.fetchFolder(ctx, br, dst)
	}
	err = atomicfile.Write(dst, 0o444, func(w io.Writer) error {
		_, err := io.Copy(w, br)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("fetch artifact %s: %w", digest, err)
	}
	return dst, nil
}

// fetchFolder reads a manifest from r and copies each file it lists from
// the store into dir.
func (d *Deployer) fetchFolder(ctx context.Context, r io.Reader, dir string) error {
	data, err := io.ReadAll(io.LimitReader(r, store.MaxManifestSize+1))
	if err != nil {
		return fmt.Errorf("fetch model folder: %w", err)
	}
	entries, err := store.DecodeManifest(data)
	if err != nil {
		return fmt.Errorf("fetch model folder: %w", err)
	}
	for _, e := range entries {
		if err := d.fetchFile(ctx, e.SHA256, filepath.Join(dir, filepath.FromSlash(e.Path))); err != nil {
			return fmt.Errorf("fetch model folder: %s: %w", e.Path, err)
		}
	}
	return nil
}

func (d *Deployer) fetchFile(ctx context.Context, digest, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, err := d.cfg.Store.Open(ctx, digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	return atomicfile.Write(dst, 0o444, func(w io.Writer) error {
		_, err := io.Copy(w, rc)
		return err
	})
}

// versionDir is the deploy folder of one artifact of a model.
func (d *Deployer) versionDir(v *registry.Version) string {
	return filepath.Join(d.cfg.Dir, v.Model, v.Artifact.SHA256)
}
