package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Register returns the version files that run adds to the registry tip:
// one new version, stage None, for every successful task with a model,
// numbered after the highest version of its model (numbers are never
// reused, and a version file that does not parse still holds its number).
// A task adds nothing when its model file has the digest of the model's
// latest version, or when tip already holds a version from this run and
// task (so a retried push registers nothing twice). A cache hit adds
// nothing when any version of the model has its digest: its model was
// registered by the run that trained it. One that no version has is
// registered: the run that trained it ended before it was recorded (a
// kill, a lost push), and the model would be lost otherwise.
//
// When a push loses a race, the caller fetches the new tip and calls
// Register again: the versions are renumbered after the other run's, which
// is how numbers stay unique without a lock. tip may be nil (no registry).
// The error names a successful task whose model file is not among its
// outputs; the other tasks' versions are still returned.
//
// A task whose model file names a folder of its outputs (an MLflow model
// folder) needs RegisterFrom; Register refuses it with ErrFolderNeedsStore.
func Register(tip *Registry, run *pipeline.Run) (files map[string][]byte, versions []*Version, err error) {
	return RegisterFrom(context.Background(), tip, run, nil)
}

// RegisterFrom is Register, reading MLflow model folders through st: a
// model whose file names a folder with an MLmodel file takes its flavor
// from MLmodel when mlcd.yaml gives none (or mlflow), is refused when
// MLmodel has no flavor mlcd serves, and is registered with the folder's
// manifest, stored in st, as its artifact.
func RegisterFrom(ctx context.Context, tip *Registry, run *pipeline.Run, st ArtifactStore) (files map[string][]byte, versions []*Version, err error) {
	if tip == nil {
		tip = build(nil)
	}
	files = map[string][]byte{}
	next := map[string]int{} // next number per model, across tasks of this run
	var errs []error
	for _, t := range run.Tasks {
		v, err := newVersion(ctx, st, tip, run, t)
		if err != nil {
			errs = append(errs, err)
		}
		if v == nil {
			continue
		}
		if next[v.Model] == 0 {
			next[v.Model] = max(maxVersion(tip.Model(v.Model)), tip.highest[v.Model]) + 1
		}
		v.Version = next[v.Model]
		if ps := validate(v, fileName{v.Model, v.Version}, func(string) bool { return true }); len(ps) > 0 {
			errs = append(errs, fmt.Errorf("task %s: %s", v.Task, ps[0].msg))
			continue
		}
		next[v.Model]++
		files[v.Path()] = Marshal(v)
		versions = append(versions, v)
	}
	if len(errs) > 0 {
		return files, versions, fmt.Errorf("register run %s: %w", run.ID, joinPlain(errs))
	}
	return files, versions, nil
}

// newVersion builds the version a task registers, without its number, or
// nil when the task registers none.
func newVersion(ctx context.Context, st ArtifactStore, tip *Registry, run *pipeline.Run, t *pipeline.TaskRecord) (*Version, error) {
	if t.Model == nil || t.Status != pipeline.StatusSuccess {
		return nil, nil
	}
	art, flavor, err := modelArtifact(ctx, st, t)
	if err != nil {
		return nil, err
	}
	if m := tip.Model(t.Model.Name); m != nil {
		if latest := m.Latest(); latest != nil && latest.Artifact.SHA256 == art.SHA256 {
			return nil, nil
		}
		for _, v := range m.Versions {
			if v.RunID == run.ID && v.Task == t.Name || t.CacheHit && v.Artifact.SHA256 == art.SHA256 {
				return nil, nil
			}
		}
	}
	return versionOf(run, t, *art, flavor), nil
}

// modelArtifact is the artifact and flavor of a task's model: its model
// file, or the manifest of its MLflow model folder.
func modelArtifact(ctx context.Context, st ArtifactStore, t *pipeline.TaskRecord) (*Artifact, string, error) {
	if out := t.Output(t.Model.File); out != nil {
		if t.Model.Flavor == "" || t.Model.Flavor == pipeline.FlavorMLflow {
			return nil, "", fmt.Errorf("task %s: model %q is a file, but only an MLflow model folder may leave out flavor: "+
				"set flavor (xgboost, lightgbm, sklearn or command)", t.Name, t.Model.File)
		}
		return &Artifact{File: out.Path, SHA256: out.SHA256, Size: out.Size}, t.Model.Flavor, nil
	}
	art, flavor, err := folderArtifact(ctx, st, t)
	if err != nil || art != nil {
		return art, flavor, err
	}
	return nil, "", fmt.Errorf("task %s: model file %q is not among its outputs", t.Name, t.Model.File)
}

// mergeParams is the run's params overlaid with the task's own, each value
// in one of the four types of the file.
func mergeParams(run, task pipeline.Params) pipeline.Params {
	if len(run)+len(task) == 0 {
		return nil
	}
	p := make(pipeline.Params, len(run)+len(task))
	for k, v := range run {
		p[k] = normParam(v)
	}
	for k, v := range task {
		p[k] = normParam(v)
	}
	return p
}

// created is when the task finished, so that registering the same run
// twice writes the same bytes.
func created(run *pipeline.Run, t *pipeline.TaskRecord) time.Time {
	for _, tm := range []time.Time{t.End, run.End, t.Start, run.Start} {
		if !tm.IsZero() {
			return tm.UTC()
		}
	}
	return time.Time{}
}

func maxVersion(m *Model) int {
	if m == nil || len(m.Versions) == 0 {
		return 0
	}
	return m.Latest().Version
}
