package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mlcd-dev/mlcd/mlmodel"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// ArtifactStore is what registering an MLflow model folder needs of the
// artifact store: reading its MLmodel file and storing its manifest
// (store.Local does both).
type ArtifactStore interface {
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
	Put(ctx context.Context, r io.Reader) (store.Object, error)
}

// ErrFolderNeedsStore is the error of a model folder registered without
// an artifact store to read its MLmodel file from.
var ErrFolderNeedsStore = errors.New("an MLflow model folder is registered with the artifact store (RegisterFrom)")

// folderArtifact resolves a model spec whose file names a folder among the
// task's outputs: the folder must hold an MLmodel file (an MLflow model)
// with a flavor mlcd serves, which becomes the version's flavor unless the
// spec names the same one; the artifact is the folder's manifest, stored.
// It returns nil, nil when file is not a folder of the outputs.
func folderArtifact(ctx context.Context, st ArtifactStore, t *pipeline.TaskRecord) (*Artifact, string, error) {
	spec := t.Model
	prefix := spec.File + "/"
	manifest, total, err := FolderManifest(t, spec.File)
	if manifest == nil || err != nil {
		return nil, "", err
	}
	where := fmt.Sprintf("task %s: model folder %q", t.Name, spec.File)
	mlm := t.Output(prefix + mlmodel.FileName)
	if mlm == nil {
		return nil, "", fmt.Errorf("%s has no %s file: mlcd serves a folder only as an MLflow model (name the model file instead)",
			where, mlmodel.FileName)
	}
	if st == nil {
		return nil, "", fmt.Errorf("%s: %w", where, ErrFolderNeedsStore)
	}
	serving, err := readServing(ctx, st, mlm, prefix)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", where, err)
	}
	switch spec.Flavor {
	case "", pipeline.FlavorMLflow, serving.Flavor:
	default:
		return nil, "", fmt.Errorf("%s: flavor %s in mlcd.yaml, but its MLmodel is served as %s (leave flavor: out to take MLmodel's)",
			where, spec.Flavor, serving.Flavor)
	}
	if t.Output(prefix+serving.File) == nil {
		return nil, "", fmt.Errorf("%s: MLmodel names the model file %q, which is not in the folder", where, serving.File)
	}
	obj, err := st.Put(ctx, bytes.NewReader(manifest))
	if err != nil {
		return nil, "", fmt.Errorf("%s: store its manifest: %w", where, err)
	}
	return &Artifact{File: spec.File, SHA256: obj.SHA256, Size: total}, serving.Flavor, nil
}

// FolderManifest returns the manifest of the folder dir among t's outputs
// (store.EncodeManifest of the files under dir/, paths relative to it) and
// the folder's total size; nil when no output is under dir. Its sha256 is
// the artifact.sha256 of a version registered from that folder, so a
// checker can hold a folder version to its run record as it holds a file
// version to the file's digest.
func FolderManifest(t *pipeline.TaskRecord, dir string) ([]byte, int64, error) {
	prefix := dir + "/"
	var entries []store.ManifestEntry
	var total int64
	for _, o := range t.Outputs {
		if rel, ok := strings.CutPrefix(o.Path, prefix); ok {
			entries = append(entries, store.ManifestEntry{Path: rel, SHA256: o.SHA256, Size: o.Size})
			total += o.Size
		}
	}
	if len(entries) == 0 {
		return nil, 0, nil
	}
	manifest, err := store.EncodeManifest(entries)
	if err != nil {
		return nil, 0, fmt.Errorf("task %s: model folder %q: %w", t.Name, dir, err)
	}
	return manifest, total, nil
}

// readServing reads the MLmodel output from st and says how it is served.
func readServing(ctx context.Context, st ArtifactStore, out *pipeline.Output, prefix string) (mlmodel.Serving, error) {
	if out.Size > mlmodel.MaxSize {
		return mlmodel.Serving{}, fmt.Errorf("%s is larger than %d bytes", mlmodel.FileName, mlmodel.MaxSize)
	}
	rc, err := st.Open(ctx, out.SHA256)
	if err != nil {
		return mlmodel.Serving{}, fmt.Errorf("read %s: %w", mlmodel.FileName, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, mlmodel.MaxSize+1))
	if err != nil {
		return mlmodel.Serving{}, fmt.Errorf("read %s: %w", mlmodel.FileName, err)
	}
	m, err := mlmodel.Parse(prefix+mlmodel.FileName, data)
	if err != nil {
		return mlmodel.Serving{}, err
	}
	return m.Serving()
}
