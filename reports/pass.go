package reports

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
)

// Stats count what a Build did.
type Stats struct {
	Runs    int // run records in the repository
	Parsed  int // run records read this build (the others came from the manifest)
	Written int // files written
	Skipped int // files whose inputs had not changed
	Removed int // files of runs or models that no longer exist
}

// pass is the state of one Build.
type pass struct {
	b    *Builder
	w    *siteWriter
	repo string
	// repoRoot and repoFS read the repository, never outside it; site is
	// the site folder, written only through it (see repofs.go).
	repoRoot *os.Root
	repoFS   fs.FS
	// records reads run records and their histories (folderFS).
	records *folderFS
	site    *os.Root
	refused []refusal
	m       *manifest
	mu      sync.Mutex
	seen    map[string]bool // every file this build produced or kept
	stats   Stats
	// histories caches metric histories by run file and task; wanted
	// names, by run and task, those that model versions show.
	histories map[string]map[string]history
	wanted    map[string]bool
	// taskParams are the params model versions' tasks reported, by run
	// file and task, kept like histories.
	taskParams map[string][]nameValue
	written    []string              // paths of the files written (in the site), to flush them
	listed     map[string]*listedDir // site folders listed by siteHas, by slash path
	claimed    map[string]bool       // files some emit call of this build has taken on
	history    map[string][]StageChange
	goals      goals      // the promotion metric mlcd.yaml declares
	forge      forgeLinks // links to the repository on GitHub, if it is there
}

func newPass(b *Builder, site *os.Root, m *manifest) *pass {
	return &pass{b: b, w: newSiteWriter(site), site: site, m: m, seen: map[string]bool{}, histories: map[string]map[string]history{}, taskParams: map[string][]nameValue{}, wanted: map[string]bool{}, listed: map[string]*listedDir{}, claimed: map[string]bool{}}
}

// emit writes the file rel (slash path in the site) with what render
// returns, unless the file is there and was written from inputs with the
// same hash.
func (p *pass) emit(rel, hash string, render func() ([]byte, error)) error {
	return p.emitWith(rel, hash, func(path string, fresh bool) error {
		data, err := render()
		if err != nil {
			return err
		}
		err = p.w.writePage(path, data, fresh)
		putBuf(data) // render's bytes belong to this page alone
		return err
	})
}

// emitWith is emit with the writing left to write(path, fresh): path is
// rel in the site folder's root, and fresh says the manifest has no
// earlier copy of the page.
func (p *pass) emitWith(rel, hash string, write func(path string, fresh bool) error) error {
	p.mu.Lock()
	p.seen[rel] = true
	if p.claimed[rel] {
		// Content-addressed files (task logs) can be shared by runs whose
		// pages render at once: one writer is enough.
		p.mu.Unlock()
		return nil
	}
	p.claimed[rel] = true
	old, known := p.m.Pages[rel]
	same := known && old == hash
	p.mu.Unlock()
	path := filepath.FromSlash(rel)
	if same {
		if p.siteHas(rel) {
			p.mu.Lock()
			p.stats.Skipped++
			p.mu.Unlock()
			return nil
		}
	}
	if err := write(path, !known); err != nil {
		return fmt.Errorf("write page: %w", err)
	}
	p.mu.Lock()
	p.m.Pages[rel] = hash
	p.stats.Written++
	p.written = append(p.written, path)
	p.mu.Unlock()
	return nil
}

// siteHas reports whether the site folder holds the file rel. Each folder
// is listed once per build: an incremental build checks that every page
// the manifest knows is still there, and 20,000 stat calls cost more than
// reading the folders.
func (p *pass) siteHas(rel string) bool {
	dir, name := path.Split(rel)
	p.mu.Lock()
	d := p.listed[dir]
	if d == nil {
		d = &listedDir{}
		p.listed[dir] = d
	}
	p.mu.Unlock()
	d.once.Do(func() {
		d.names = map[string]bool{}
		if dir == "" {
			dir = "."
		}
		f, err := p.site.Open(filepath.FromSlash(dir))
		if err != nil {
			return // no folder: no files
		}
		defer f.Close()
		names, _ := f.Readdirnames(-1) // unsorted and without a stat: cheaper than os.ReadDir
		for _, n := range names {
			d.names[n] = true
		}
	})
	return d.names[name]
}

// listedDir is the file names of one site folder at the start of a build.
type listedDir struct {
	once  sync.Once
	names map[string]bool
}

// keep marks rel as produced by this build without writing it.
func (p *pass) keep(rel string) {
	p.mu.Lock()
	p.seen[rel] = true
	p.mu.Unlock()
}

// removeStale deletes the files an earlier build wrote that this build did
// not produce (a deleted run record, a renamed model).
func (p *pass) removeStale() error {
	for rel := range p.m.Pages {
		if p.seen[rel] {
			continue
		}
		err := p.site.Remove(filepath.FromSlash(rel))
		if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("remove stale page: %w", err)
		}
		delete(p.m.Pages, rel)
		p.stats.Removed++
	}
	return nil
}

// ioWorkers is how many pages a build renders and writes at once: more
// than the cores, so that reading records and writing pages overlap with
// rendering.
const ioWorkers = 16

// parallel calls f(0..n-1) on ioWorkers goroutines and returns the first
// error; after an error or a cancelled ctx no new call starts.
func parallel(ctx context.Context, n int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	jobs := make(chan int)
	for range min(ioWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
