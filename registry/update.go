package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/diag"
)

// Update returns the registry of fsys, given that fsys differs from the
// tree r was loaded from only in the files at changed (slash paths from the
// repository root, as a git diff between the two commits lists them; paths
// outside models/ are ignored). Only those files are read, so following a
// commit that changes one version file costs one file, not the registry.
// r is not modified. The problems returned are those of the changed files
// and the registry-wide rules (aliases unique per model).
func (r *Registry) Update(fsys fs.FS, changed []string) (*Registry, error) {
	files := maps.Clone(r.files)
	if files == nil {
		files = map[string]entry{}
	}
	var problems []*diag.Error
	touched := map[string]bool{}
	for _, p := range changed {
		if !strings.HasPrefix(p, Dir+"/") || !isYAML(p) {
			continue
		}
		delete(files, p)
		data, err := fs.ReadFile(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			touched[folderOf(p)] = true
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		if strings.Count(p, "/") != 2 {
			problems = append(problems, &diag.Error{File: p, Msg: "not a version file: want " + Dir + "/<model>/v<N>.yaml"})
			continue
		}
		touched[folderOf(p)] = true
		v, errs := parseFile(p, string(data))
		problems = append(problems, errs...)
		if v != nil {
			files[p] = entry{data: string(data), v: v}
		}
	}
	next := r.rebuild(files, touched)
	next.highest = maps.Clone(r.highest)
	next.noteNames(changed)
	problems = append(problems, next.crossCheck(slices.Sorted(maps.Keys(touched)))...)
	if len(problems) > 0 {
		diag.Sort(problems)
		return next, diag.Join(problems)
	}
	return next, nil
}

// folderOf is the model folder of models/<model>/<file>.
func folderOf(p string) string {
	rest := strings.TrimPrefix(p, Dir+"/")
	model, _, _ := strings.Cut(rest, "/")
	return model
}

// rebuild is r with the models in touched indexed again from files; the
// other models are shared with r (they are never changed after a load).
func (r *Registry) rebuild(files map[string]entry, touched map[string]bool) *Registry {
	next := &Registry{models: maps.Clone(r.models), files: files}
	if next.models == nil {
		next.models = map[string]*Model{}
	}
	for name := range touched {
		delete(next.models, name)
	}
	prefixes := make(map[string]bool, len(touched))
	for name := range touched {
		prefixes[Dir+"/"+name+"/"] = true
	}
	for p, e := range files {
		if !prefixes[p[:strings.LastIndexByte(p, '/')+1]] {
			continue
		}
		m := next.models[e.v.Model]
		if m == nil {
			m = &Model{Name: e.v.Model}
			next.models[e.v.Model] = m
		}
		m.Versions = append(m.Versions, e.v)
	}
	for name := range touched {
		if m := next.models[name]; m != nil {
			slices.SortFunc(m.Versions, func(a, b *Version) int { return a.Version - b.Version })
		}
	}
	next.names = slices.Sorted(maps.Keys(next.models))
	return next
}
