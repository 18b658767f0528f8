package registry

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// ErrInvalidDir: the registry of a working tree does not load, so nothing
// was registered in it.
var ErrInvalidDir = errors.New("invalid registry")

// invalidDir is an ErrInvalidDir that says which folder and why.
type invalidDir struct {
	dir string
	err error
}

func (e *invalidDir) Error() string {
	return fmt.Sprintf("the registry in %s is invalid: %v", e.dir, e.err)
}
func (e *invalidDir) Unwrap() error        { return e.err }
func (e *invalidDir) Is(target error) bool { return target == ErrInvalidDir }

// RegisterDir registers run's new model versions in the working tree at
// dir as the controller does on its branch: Register on the registry the
// tree holds (LoadDir), so the numbering and the files are the same, each
// file written atomically under models/. It returns the versions written
// and, as problems, Register's error about the tasks it could not
// register. err is a failure to write, or an ErrInvalidDir when the
// registry does not load; then nothing is written.
func RegisterDir(dir string, run *pipeline.Run) (versions []*Version, problems, err error) {
	reg, err := LoadDir(dir)
	if err != nil {
		return nil, nil, &invalidDir{dir: dir, err: err}
	}
	files, versions, regErr := Register(reg, run)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, nil, fmt.Errorf("register: %w", err)
		}
		if err := atomicfile.WriteFile(p, files[name], 0o644); err != nil {
			return nil, nil, fmt.Errorf("register: %w", err)
		}
	}
	return versions, regErr, nil
}
