package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/mlcd-dev/mlcd/registry"
)

// Everything the report reads from the repository goes through an
// os.Root opened on it, which refuses any path, symlink or ".." that
// leads outside: a committed README.md that is a symlink to
// /proc/self/environ must not put mlcd's environment into the site. A
// file refused that way is left out and named on the overview, with its
// path.

// refusal is a file of the repository the report did not read because it
// leads outside the repository.
type refusal struct {
	Path   string // slash path relative to the repository
	Reason string
}

// refuse notes that the file name (slash path in the repository) could
// not be read because of err, when err is the file system's (a symlink or
// a folder that leads outside, a file that cannot be opened) and not a
// missing file, and reports whether it did. The report goes on without the
// file; Build names it in its error and the overview lists it.
func (p *pass) refuse(name string, err error) bool {
	var pe *fs.PathError
	if err == nil || errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) {
		return false
	}
	reason := "not read: " + pe.Err.Error()
	if fi, lerr := p.repoRoot.Lstat(filepath.FromSlash(name)); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
		target, _ := p.repoRoot.Readlink(filepath.FromSlash(name))
		reason = fmt.Sprintf("a symlink to %s, which leads outside the repository", target)
	}
	p.mu.Lock()
	p.refused = append(p.refused, refusal{Path: name, Reason: reason})
	p.mu.Unlock()
	return true
}

// refusals returns the refused files sorted by path.
func (p *pass) refusals() []refusal {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Clone(p.refused)
	slices.SortFunc(out, func(a, b refusal) int { return strings.Compare(a.Path, b.Path) })
	return slices.CompactFunc(out, func(a, b refusal) bool { return a.Path == b.Path })
}

// readREADME reads the repository's README.md; a README that leads outside
// the repository is refused, and the report goes on without it.
func (p *pass) readREADME() []byte {
	data, err := fs.ReadFile(p.repoFS, "README.md")
	if err != nil {
		p.refuse("README.md", err)
		return nil
	}
	return data
}

// loadModels reads the registry. The fast reader (registry.LoadDir)
// opens files by path; it is used when no entry of models/ is
// a symlink. Otherwise the registry is read through the repository's
// root, with the symlinks that lead outside refused and hidden.
func (p *pass) loadModels(repo string) ([]*registry.Model, error) {
	hidden, links, err := p.outsideLinks(registry.Dir)
	if err != nil {
		return nil, err
	}
	if !links {
		return loadModelsDir(repo)
	}
	r, err := registry.Load(hideFS{p.repoFS, hidden})
	if r == nil {
		return nil, err
	}
	return r.Models(), err
}

// outsideLinks walks dir (two levels, as models/<model>/v<N>.yaml) and
// returns the symlinks in it that lead outside the repository, refused;
// links says whether it found any symlink at all.
func (p *pass) outsideLinks(dir string) (hidden map[string]bool, links bool, err error) {
	hidden = map[string]bool{}
	check := func(name string, e fs.DirEntry) bool {
		if e.Type()&fs.ModeSymlink == 0 {
			return false
		}
		links = true
		if _, err := p.repoRoot.Stat(filepath.FromSlash(name)); err != nil {
			hidden[name] = true
			p.refuse(name, err)
		}
		return true
	}
	if fi, err := p.repoRoot.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		links = true
		if _, err := p.repoRoot.Stat(dir); err != nil {
			hidden[dir] = true
			p.refuse(dir, err)
			return hidden, true, nil
		}
	}
	top, err := fs.ReadDir(p.repoFS, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return hidden, links, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, d := range top {
		name := path.Join(dir, d.Name())
		if check(name, d) || !d.IsDir() {
			continue
		}
		ents, err := fs.ReadDir(p.repoFS, name)
		if err != nil {
			return nil, false, fmt.Errorf("list %s: %w", name, err)
		}
		for _, e := range ents {
			check(path.Join(name, e.Name()), e)
		}
	}
	return hidden, links, nil
}

// hideFS is fsys without the files in hidden.
type hideFS struct {
	fsys   fs.FS
	hidden map[string]bool
}

func (h hideFS) Open(name string) (fs.File, error) {
	if h.hidden[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return h.fsys.Open(name)
}

func (h hideFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if h.hidden[name] {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	ents, err := fs.ReadDir(h.fsys, name)
	return slices.DeleteFunc(ents, func(e fs.DirEntry) bool { return h.hidden[path.Join(name, e.Name())] }), err
}

// openSite creates the site folder out and opens it as a root. When out is
// inside the repository, it is made and opened through the repository's
// root, so that a committed symlink (site -> /somewhere) cannot send the
// pages outside the repository. A folder outside the repository is the
// user's choice and is taken as it is.
func openSite(repoRoot *os.Root, repo, out string) (*os.Root, error) {
	rel, inside, err := relInside(repo, out)
	if err != nil {
		return nil, err
	}
	if !inside {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return nil, fmt.Errorf("create site folder: %w", err)
		}
		return os.OpenRoot(out)
	}
	if err := repoRoot.MkdirAll(rel, 0o755); err != nil {
		return nil, siteLinkError(repoRoot, out, rel, err)
	}
	root, err := repoRoot.OpenRoot(rel)
	if err != nil {
		return nil, siteLinkError(repoRoot, out, rel, err)
	}
	return root, nil
}

// relInside returns out relative to repo, and whether it lies inside it.
func relInside(repo, out string) (string, bool, error) {
	absRepo, err := filepath.Abs(repo)
	if err != nil {
		return "", false, fmt.Errorf("repository folder: %w", err)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return "", false, fmt.Errorf("site folder: %w", err)
	}
	rel, err := filepath.Rel(absRepo, absOut)
	if err != nil || !filepath.IsLocal(rel) {
		return "", false, nil
	}
	return rel, true, nil
}

// siteLinkError says which part of the site folder's path is a symlink
// out of the repository.
func siteLinkError(repoRoot *os.Root, out, rel string, err error) error {
	parts := strings.Split(rel, string(filepath.Separator))
	for i := range parts {
		p := filepath.Join(parts[:i+1]...)
		if fi, lerr := repoRoot.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			target, _ := repoRoot.Readlink(p)
			return fmt.Errorf("site folder %s: %s is a symlink to %s, which leaves the repository: remove it or write the report elsewhere (--out)", out, p, target)
		}
	}
	return fmt.Errorf("create site folder: %w", err)
}

// folderFS reads run records and their histories through an os.Root of
// each one's folder, opened once a build: through the repository's root,
// each open walked the path again (runs, the pipeline, the month: four
// openat and three close a file, 120,000 system calls in a full build of
// 10,000 runs). The folder's root is opened through the repository's, so
// it is inside it, and refuses what leads outside the folder. A file it
// does not open (a symlink to elsewhere in the repository, a missing
// file) is opened through the repository's root, which decides and names
// the file in the error as before.
type folderFS struct {
	fs.FS // the repository's root
	repo  *os.Root
	mu    sync.Mutex
	dirs  map[string]*os.Root // nil for a folder that did not open
}

func newFolderFS(repo *os.Root) *folderFS {
	return &folderFS{FS: repo.FS(), repo: repo, dirs: map[string]*os.Root{}}
}

func (f *folderFS) Open(name string) (fs.File, error) {
	if dir, base := path.Split(name); dir != "" && fs.ValidPath(name) {
		if d := f.dir(strings.TrimSuffix(dir, "/")); d != nil {
			if file, err := d.Open(base); err == nil {
				return file, nil
			}
		}
	}
	return f.FS.Open(name)
}

// maxFolderRoots bounds the folders a folderFS holds open: the files of
// the others are opened through the repository's root.
const maxFolderRoots = 256

// dir returns the root of the folder dir, or nil.
func (f *folderFS) dir(dir string) *os.Root {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.dirs[dir]
	if !ok {
		if len(f.dirs) >= maxFolderRoots {
			return nil
		}
		d, _ = f.repo.OpenRoot(filepath.FromSlash(dir))
		f.dirs[dir] = d
	}
	return d
}

// close closes the folders' roots.
func (f *folderFS) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, d := range f.dirs {
		if d != nil {
			d.Close()
		}
		delete(f.dirs, k)
	}
}
