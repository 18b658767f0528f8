package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNotFound: a spec names no model, or no version of it.
var ErrNotFound = errors.New("no such model version")

// notFound is an ErrNotFound whose text is only its own message.
type notFound string

func (e notFound) Error() string        { return string(e) }
func (e notFound) Is(target error) bool { return target == ErrNotFound }

// Resolve finds MODEL[@VERSION|@STAGE|@ALIAS] in the registry of the
// working tree at dir: a number (churn@3 or churn@v3), the latest version
// in a stage (churn@Staging, any letter case), an alias (churn@champion),
// or without @ the Production version. A spec that names nothing is an
// ErrNotFound; the model's own files that do not parse are their
// *diag.Error.
func Resolve(dir, spec string) (*Version, error) {
	name, sel, _ := strings.Cut(spec, "@")
	if name == "" {
		return nil, notFound(fmt.Sprintf("%q: want MODEL[@VERSION|@STAGE|@ALIAS]", spec))
	}
	reg, err := Load(os.DirFS(dir))
	if reg == nil {
		return nil, err
	}
	m := reg.Model(name)
	ownProblems := err != nil && strings.Contains(err.Error(), Dir+"/"+name+"/")
	if m == nil && ownProblems {
		return nil, err // its version files are there but do not parse
	}
	if m == nil {
		return nil, notFound(fmt.Sprintf("no model %q under %s (models: %s)", name,
			filepath.Join(dir, Dir), strings.Join(modelNames(reg), ", ")))
	}
	v := m.pick(sel)
	if v == nil {
		if ownProblems {
			return nil, err // maybe the wanted file does not parse
		}
		if sel == "" {
			sel = "Production"
		}
		return nil, notFound(fmt.Sprintf("model %s has no version %q", name, sel))
	}
	return v, nil
}

// pick is the version sel names: a number (3 or v3), the latest version in
// a stage, or an alias; "" is the Production version. nil when there is
// none.
func (m *Model) pick(sel string) *Version {
	if sel == "" {
		return m.Production()
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(sel, "v")); err == nil {
		return m.Version(n)
	}
	if st, err := ParseStage(sel); err == nil {
		for i := len(m.Versions) - 1; i >= 0; i-- {
			if m.Versions[i].Stage == st {
				return m.Versions[i]
			}
		}
		return nil
	}
	return m.Alias(sel)
}

func modelNames(reg *Registry) []string {
	var out []string
	for _, m := range reg.Models() {
		out = append(out, m.Name)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
