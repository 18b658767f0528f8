package registry

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mlcd-dev/mlcd/diag"
)

// Registry is every model and version under models/ of one tree (a working
// tree or a commit). Versions are shared with the Loader's cache and with
// other Registries: treat them as read-only and copy before changing one.
type Registry struct {
	models map[string]*Model
	names  []string         // sorted
	files  map[string]entry // by path
	// highest is the highest version number in a file name per model
	// folder, counting files that do not parse, so that Register never
	// writes over one.
	highest map[string]int
}

// entry is one loaded version file: its bytes and what they say.
type entry struct {
	data string
	v    *Version
}

// Models returns every model, sorted by name.
func (r *Registry) Models() []*Model {
	out := make([]*Model, len(r.names))
	for i, n := range r.names {
		out[i] = r.models[n]
	}
	return out
}

// Model returns the model called name, or nil.
func (r *Registry) Model(name string) *Model { return r.models[name] }

// Production returns the Production version of model (the highest
// numbered one if a promotion is in flight), or nil.
func (r *Registry) Production(model string) *Version {
	if m := r.models[model]; m != nil {
		return m.Production()
	}
	return nil
}

// Version returns version n of model, or nil.
func (r *Registry) Version(model string, n int) *Version {
	if m := r.models[model]; m != nil {
		return m.Version(n)
	}
	return nil
}

// File returns the bytes of the version file at path as loaded.
func (r *Registry) File(path string) ([]byte, bool) {
	e, ok := r.files[path]
	return []byte(e.data), ok
}

// Load reads every version file under models/ of fsys. A tree without
// models/ is an empty registry. Problems in files are *diag.Error
// values joined with errors.Join, returned with the registry of every
// version that is valid; a read error returns no registry.
func Load(fsys fs.FS) (*Registry, error) {
	return new(Loader).Load(fsys)
}

// Loader loads registries and keeps the versions it parsed in the last two
// loads, so that loading the next commit parses only the files that
// changed. The zero Loader is ready; it is safe for concurrent use.
type Loader struct {
	// Workers is how many files are read at once; 0 means a few per CPU.
	// The fs.FS must then be safe for concurrent use (os.DirFS,
	// fstest.MapFS and gitstore's commit trees are); set 1 for one that
	// is not.
	Workers int

	mu   sync.Mutex
	gens [2]map[string]entry // by path; [0] is the newest load
}

// Load reads the registry of fsys; see the package function Load.
func (l *Loader) Load(fsys fs.FS) (*Registry, error) {
	r, problems, err := l.load(fsys)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return r, diag.Join(problems)
	}
	return r, nil
}

// load loads the files of fsys; a file whose bytes are those of the same
// path in the last two loads is not parsed again.
func (l *Loader) load(fsys fs.FS) (*Registry, []*diag.Error, error) {
	paths, problems, err := listVersionFiles(fsys)
	if err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	prev := l.gens
	l.mu.Unlock()
	results := readAll(fsys, paths, l.workers(len(paths)), prev)
	files := make(map[string]entry, len(paths))
	for i, res := range results {
		if res.err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", paths[i], res.err)
		}
		problems = append(problems, res.errs...)
		if res.e.v != nil {
			files[paths[i]] = res.e
		}
	}
	l.mu.Lock()
	l.gens = [2]map[string]entry{files, l.gens[0]}
	l.mu.Unlock()
	r := build(files)
	r.noteNames(paths)
	problems = append(problems, r.crossCheck(r.names)...)
	diag.Sort(problems)
	return r, problems, nil
}

func (l *Loader) workers(files int) int {
	n := l.Workers
	if n <= 0 {
		n = min(4*runtime.GOMAXPROCS(0), 16)
	}
	return max(1, min(n, files/64))
}

// readResult is one file read and parsed.
type readResult struct {
	e    entry
	errs []*diag.Error
	err  error
}

// readAll reads and parses paths with n goroutines; reading small files is
// mostly waiting on system calls, which several goroutines overlap.
func readAll(fsys fs.FS, paths []string, n int, prev [2]map[string]entry) []readResult {
	results := make([]readResult, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				data, err := fs.ReadFile(fsys, paths[i])
				if err != nil {
					results[i].err = err
					continue
				}
				results[i].e, results[i].errs = cachedParse(prev, paths[i], data)
			}
		})
	}
	wg.Wait()
	return results
}

// cachedParse returns the entry of the last two loads whose bytes are
// data, or parses data. The comparison does not copy data; only a file
// that is parsed is kept as a string.
func cachedParse(prev [2]map[string]entry, p string, data []byte) (entry, []*diag.Error) {
	for _, g := range prev {
		if e, ok := g[p]; ok && e.data == string(data) {
			return e, nil
		}
	}
	s := string(data)
	v, errs := parseFile(p, s)
	return entry{data: s, v: v}, errs
}

// listVersionFiles finds models/<model>/*.yaml. Other files are left alone
// (a README.md next to the versions is fine), but a YAML file directly
// under models/ is reported: it belongs in a model's folder.
func listVersionFiles(fsys fs.FS) ([]string, []*diag.Error, error) {
	top, err := fs.ReadDir(fsys, Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", Dir, err)
	}
	var paths []string
	var problems []*diag.Error
	for _, d := range top {
		p := path.Join(Dir, d.Name())
		if !d.IsDir() {
			if isYAML(d.Name()) {
				problems = append(problems, &diag.Error{File: p, Msg: "not a version file: want " + Dir + "/<model>/v<N>.yaml"})
			}
			continue
		}
		ents, err := fs.ReadDir(fsys, p)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", p, err)
		}
		for _, e := range ents {
			if !e.IsDir() && isYAML(e.Name()) {
				paths = append(paths, path.Join(p, e.Name()))
			}
		}
	}
	return paths, problems, nil
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// noteNames records the version numbers that the file names in paths take.
func (r *Registry) noteNames(paths []string) {
	if r.highest == nil {
		r.highest = map[string]int{}
	}
	for _, p := range paths {
		if fn, ok := parseFileName(p); ok && fn.version > r.highest[fn.model] {
			r.highest[fn.model] = fn.version
		}
	}
}

// build indexes loaded files by model, versions sorted by number.
func build(files map[string]entry) *Registry {
	r := &Registry{models: map[string]*Model{}, files: files}
	for _, e := range files {
		m := r.models[e.v.Model]
		if m == nil {
			m = &Model{Name: e.v.Model}
			r.models[e.v.Model] = m
			r.names = append(r.names, e.v.Model)
		}
		m.Versions = append(m.Versions, e.v)
	}
	slices.Sort(r.names)
	for _, m := range r.models {
		slices.SortFunc(m.Versions, func(a, b *Version) int { return a.Version - b.Version })
	}
	return r
}

// crossCheck finds what no single file shows: an alias on two versions of
// one model, among models. The later version is the one reported.
func (r *Registry) crossCheck(models []string) []*diag.Error {
	var problems []*diag.Error
	for _, name := range models {
		m := r.models[name]
		if m == nil {
			continue
		}
		owner := map[string]int{}
		for _, v := range m.Versions {
			for i, a := range v.Aliases {
				if n, dup := owner[a]; dup {
					msg := fmt.Sprintf("alias %q is already on version %d of %s: an alias names one version", a, n, name)
					problems = append(problems, r.errorAt(v.Path(), "aliases."+strconv.Itoa(i), msg))
					continue
				}
				owner[a] = v.Version
			}
		}
	}
	return problems
}

// errorAt places msg at field of the file at p, using the full parser for
// the position.
func (r *Registry) errorAt(p, field, msg string) *diag.Error {
	return errorAt(p, r.files[p].data, field, msg)
}
