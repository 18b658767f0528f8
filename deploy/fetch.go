package deploy

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// fetch copies the artifact of v from the store to its folder in the
// deploy folder, under the model's file name, and returns its path. The
// store verifies the content while it is copied; a corrupt object leaves
// no file.
func (d *Deployer) fetch(ctx context.Context, v *registry.Version) (string, error) {
	digest := v.Artifact.SHA256
	if err := store.CheckDigest(digest); err != nil {
		return "", fmt.Errorf("artifact: %w", err)
	}
	name := path.Base(v.Artifact.File)
	if name == "." || name == "/" || name == "" {
		name = "model"
	}
	dst := filepath.Join(d.versionDir(v), name)
	rc, err := d.cfg.Store.Open(ctx, digest)
	if err != nil {
		return "", fmt.Errorf("fetch artifact: %w", err)
	}
	defer rc.Close()
	err = atomicfile.Write(dst, 0o444, func(w io.Writer) error {
		_, err := io.Copy(w, rc)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("fetch artifact %s: %w", digest, err)
	}
	return dst, nil
}

// versionDir is the deploy folder of one artifact of a model.
func (d *Deployer) versionDir(v *registry.Version) string {
	return filepath.Join(d.cfg.Dir, v.Model, v.Artifact.SHA256)
}
