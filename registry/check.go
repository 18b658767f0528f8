package registry

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/mlcd-dev/mlcd/diag"
)

// Store is what Check needs of the artifact store.
type Store interface {
	Has(sha256 string) bool
}

// editable are the keys a pull request may change on an existing version.
var editable = map[string]bool{"stage": true, "aliases": true, "description": true}

// Check applies the rules of `mlcd check` to a registry change as a pull
// request makes it, from base (the merge base, not the tip of the target
// branch: versions registered since the branch was cut are not the pull
// request's doing) to head:
//
//   - every version file in head is valid (schema, stage names, digests,
//     aliases unique per model);
//   - a pull request adds no version files: only mlcd registers versions;
//   - it deletes none: a version is retired with stage Archived;
//   - on an existing version only stage, aliases and description change;
//   - at most one version of a model becomes Production;
//   - a version that becomes Staging or Production has its artifact in
//     store (skipped when store is nil).
//
// It returns every problem, sorted by file and line. A read error of either
// tree is returned as a problem without a line.
func Check(base, head fs.FS, store Store) []*diag.Error {
	return new(Loader).Check(base, head, store)
}

// Check is the package function Check, parsing through l: a caller that
// loads base and head with l afterwards (mlcd check, for the diff it
// prints) parses no file again.
func (l *Loader) Check(base, head fs.FS, store Store) []*diag.Error {
	baseReg, _, err := l.load(base)
	if err != nil {
		return []*diag.Error{{File: Dir, Msg: "base: " + err.Error()}}
	}
	headReg, problems, err := l.load(head)
	if err != nil {
		return []*diag.Error{{File: Dir, Msg: "head: " + err.Error()}}
	}
	problems = append(problems, checkChanges(baseReg, headReg, base, head, store)...)
	diag.Sort(problems)
	return problems
}

func checkChanges(baseReg, headReg *Registry, base, head fs.FS, store Store) []*diag.Error {
	var problems []*diag.Error
	newProd := map[string][]Change{}
	for _, c := range Diff(baseReg, headReg) {
		switch {
		case c.Added && exists(base, c.Path), c.Removed && exists(head, c.Path):
			// A file that does not parse on one side: its problems are
			// reported with the head's schema errors, not as an add or delete.
			continue
		case c.Added:
			problems = append(problems, headReg.errorAt(c.Path, "version",
				"new version file: versions are registered by mlcd, a pull request may only change stage, aliases or description"))
			continue
		case c.Removed:
			problems = append(problems, &diag.Error{File: c.Path,
				Msg: fmt.Sprintf("version %d of %s is deleted: versions are never deleted, set stage: Archived instead", c.Version, c.Model)})
			continue
		}
		for _, f := range c.Fields {
			if !editable[f] {
				problems = append(problems, headReg.errorAt(c.Path, f,
					fmt.Sprintf("%s changed on existing version %d of %s: only stage, aliases and description may change", f, c.Version, c.Model)))
			}
		}
		if c.StageChanged() && c.ToStage == StageProduction {
			newProd[c.Model] = append(newProd[c.Model], c)
		}
		problems = append(problems, checkStored(headReg, c, store)...)
	}
	for _, model := range sortedKeys(newProd) {
		cs := newProd[model]
		if len(cs) < 2 {
			continue
		}
		for _, c := range cs {
			problems = append(problems, headReg.errorAt(c.Path, "stage",
				fmt.Sprintf("%d versions of %s become Production in one change (%s): promote one", len(cs), model, versionList(cs))))
		}
	}
	return problems
}

// checkStored makes sure that a version about to be served exists in the
// artifact store.
func checkStored(headReg *Registry, c Change, store Store) []*diag.Error {
	if store == nil || !c.StageChanged() || c.ToStage != StageProduction && c.ToStage != StageStaging {
		return nil
	}
	v := headReg.Version(c.Model, c.Version)
	if v == nil || store.Has(v.Artifact.SHA256) {
		return nil
	}
	where := "the artifact store"
	if r, ok := store.(interface{ Root() string }); ok { // name the store searched
		where += " " + r.Root()
	}
	return []*diag.Error{headReg.errorAt(c.Path, "artifact.sha256",
		fmt.Sprintf("version %d of %s: artifact sha256:%s is not in %s", c.Version, c.Model, v.Artifact.SHA256, where))}
}

func exists(fsys fs.FS, p string) bool {
	_, err := fs.Stat(fsys, p)
	return err == nil
}

func versionList(cs []Change) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = fmt.Sprintf("v%d", c.Version)
	}
	return strings.Join(s, ", ")
}
