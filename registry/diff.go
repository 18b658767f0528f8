package registry

import (
	"cmp"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

// Change is what happened to one version file between two registries.
type Change struct {
	Model     string
	Version   int
	Path      string
	FromStage Stage // "" when Added
	ToStage   Stage // "" when Removed
	Added     bool
	Removed   bool
	// Fields are the keys whose values differ, in file order: "stage",
	// "aliases", "artifact.sha256", "metrics.f1", ...; empty for Added and
	// Removed.
	Fields []string
}

// StageChanged reports whether the version moved from one stage to another.
func (c Change) StageChanged() bool {
	return !c.Added && !c.Removed && c.FromStage != c.ToStage
}

// Diff returns every version file that differs between base and head,
// sorted by model and version: added, removed, and changed ones with the
// fields that changed. Files with the same bytes are not compared further,
// so diffing two loads of commits that change one file is cheap.
func Diff(base, head *Registry) []Change {
	if base == nil {
		base = build(nil)
	}
	if head == nil {
		head = build(nil)
	}
	var out []Change
	for p, h := range head.files {
		b, ok := base.files[p]
		switch {
		case !ok:
			out = append(out, Change{Model: h.v.Model, Version: h.v.Version, Path: p, ToStage: h.v.Stage, Added: true})
		case b.v == h.v || b.data == h.data:
		default:
			if fields := changedFields(b.v, h.v); len(fields) > 0 {
				out = append(out, Change{Model: h.v.Model, Version: h.v.Version, Path: p,
					FromStage: b.v.Stage, ToStage: h.v.Stage, Fields: fields})
			}
		}
	}
	for p, b := range base.files {
		if _, ok := head.files[p]; !ok {
			out = append(out, Change{Model: b.v.Model, Version: b.v.Version, Path: p, FromStage: b.v.Stage, Removed: true})
		}
	}
	slices.SortFunc(out, func(a, b Change) int {
		return cmp.Or(strings.Compare(a.Model, b.Model), a.Version-b.Version)
	})
	return out
}

// changedFields lists the keys of the file whose values differ, in the
// order of the file.
func changedFields(a, b *Version) []string {
	var f []string
	add := func(changed bool, key string) {
		if changed {
			f = append(f, key)
		}
	}
	add(a.Schema != b.Schema, "schema")
	add(a.Model != b.Model, "model")
	add(a.Version != b.Version, "version")
	add(a.Stage != b.Stage, "stage")
	add(!slices.Equal(a.Aliases, b.Aliases), "aliases")
	add(a.Description != b.Description, "description")
	add(a.RunID != b.RunID, "run")
	add(a.Pipeline != b.Pipeline, "pipeline")
	add(a.Task != b.Task, "task")
	add(a.Commit != b.Commit, "commit")
	add(a.Artifact.File != b.Artifact.File, "artifact.file")
	add(a.Artifact.SHA256 != b.Artifact.SHA256, "artifact.sha256")
	add(a.Artifact.Size != b.Artifact.Size, "artifact.size")
	add(a.Flavor != b.Flavor, "flavor")
	add(a.Serve != b.Serve, "serve")
	add(a.InputExample != b.InputExample, "input_example")
	for _, k := range unionKeys(a.Metrics, b.Metrics) {
		x, okA := a.Metrics[k]
		y, okB := b.Metrics[k]
		add(okA != okB || !sameFloat(x, y), "metrics."+k)
	}
	for _, k := range unionKeys(a.Params, b.Params) {
		x, okA := a.Params[k]
		y, okB := b.Params[k]
		add(okA != okB || !sameParam(x, y), "params."+k)
	}
	add(!a.Created.Equal(b.Created), "created")
	return f
}

func unionKeys[M ~map[string]V, V any](a, b M) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// sameFloat is == except that NaN equals NaN: a file that still says .nan
// has not changed.
func sameFloat(x, y float64) bool {
	return x == y || math.IsNaN(x) && math.IsNaN(y)
}

func sameParam(x, y any) bool {
	if fx, ok := x.(float64); ok {
		if fy, ok := y.(float64); ok {
			return sameFloat(fx, fy)
		}
	}
	return reflect.DeepEqual(x, y)
}
