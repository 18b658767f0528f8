package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
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
	var problems []*pipeline.Error
	for _, p := range changed {
		if !strings.HasPrefix(p, Dir+"/") || !isYAML(p) {
			continue
		}
		delete(files, p)
		data, err := fs.ReadFile(fsys, p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		if strings.Count(p, "/") != 2 {
			problems = append(problems, &pipeline.Error{File: p, Msg: "not a version file: want " + Dir + "/<model>/v<N>.yaml"})
			continue
		}
		v, errs := parseFile(p, string(data))
		problems = append(problems, errs...)
		if v != nil {
			files[p] = entry{data: string(data), v: v}
		}
	}
	next := build(files)
	problems = append(problems, next.crossCheck()...)
	if len(problems) > 0 {
		slices.SortStableFunc(problems, compareErrors)
		return next, joinErrors(problems)
	}
	return next, nil
}
