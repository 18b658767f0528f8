package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// runFile is a run record found on disk.
type runFile struct {
	rel     string // slash path relative to the repository
	size    int64
	modTime int64
}

// listRuns finds the run records of the repository (pipeline.RunFiles).
// A folder or record that leads outside the repository is refused and
// left out.
func (p *pass) listRuns() ([]runFile, error) {
	fsys := &listingFS{FS: p.repoFS, dirs: map[string]map[string]fs.DirEntry{}}
	dirs, err := fs.ReadDir(fsys, pipeline.RunsDir)
	if errors.Is(err, fs.ErrNotExist) || p.refuse(pipeline.RunsDir, err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var files []runFile
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		names, err := pipeline.RunFiles(fsys, d.Name())
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		for _, name := range names {
			info, err := fsys.stat(name)
			if p.refuse(name, err) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("list runs: %w", err)
			}
			files = append(files, runFile{rel: name, size: info.Size(), modTime: info.ModTime().UnixNano()})
		}
	}
	return files, nil
}

// listingFS keeps the entries of the folders read through it, so that
// the files listed need no stat of their own: an os.Root reads each
// entry's information as it lists a folder, while a stat through it opens
// every folder on the path again (10,000 records cost 40,000 calls).
type listingFS struct {
	fs.FS
	dirs map[string]map[string]fs.DirEntry
}

func (l *listingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(l.FS, name)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]fs.DirEntry, len(entries))
	for _, e := range entries {
		byName[e.Name()] = e
	}
	l.dirs[name] = byName
	return entries, nil
}

// stat returns the information of a regular file as its folder's listing
// read it; a symlink (or a file of a folder not listed) is resolved
// through the root, which refuses one that leads outside it.
func (l *listingFS) stat(name string) (fs.FileInfo, error) {
	dir, base := path.Split(name)
	if e, ok := l.dirs[strings.TrimSuffix(dir, "/")][base]; ok && e.Type().IsRegular() {
		return e.Info()
	}
	return fs.Stat(l.FS, name)
}

// readRun reads and decodes one run record, with its metric histories,
// and returns the sha256 of the record's bytes.
func readRun(fsys fs.FS, rel string, buf *pipeline.SeriesBuffers) (*pipeline.Run, []pipeline.Series, string, error) {
	run, data, err := readRecord(fsys, rel)
	if err != nil {
		return nil, nil, "", err
	}
	series, err := pipeline.LoadSeries(fsys, rel, run, buf)
	if err != nil {
		return nil, nil, "", err
	}
	sum := sha256.Sum256(data)
	return run, series, hex.EncodeToString(sum[:]), nil
}

// readRecord reads and decodes the record rel alone, and returns its bytes.
func readRecord(fsys fs.FS, rel string) (*pipeline.Run, []byte, error) {
	data, err := fs.ReadFile(fsys, rel)
	if err != nil {
		return nil, nil, fmt.Errorf("read run: %w", err)
	}
	if err := pipeline.CheckRecordBounds(data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", rel, err)
	}
	var run pipeline.Run
	if err := json.Unmarshal(data, &run); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", rel, pipeline.JSONPosition(data, err))
	}
	if run.ID == "" || run.Pipeline == "" {
		return nil, nil, fmt.Errorf("%s: run record without id or pipeline", rel)
	}
	return &run, data, nil
}

// scanRuns brings every run's summary up to date and renders the pages
// of runs that are new or changed. Bad records are skipped and returned
// as one joined error after the others are done.
func (p *pass) scanRuns(ctx context.Context) ([]*runRow, error) {
	t0 := time.Now()
	files, err := p.listRuns()
	if err != nil {
		return nil, err
	}
	p.b.log.Debug("report step done", "step", "list runs", "records", len(files), "took", time.Since(t0))
	rows := make([]*runRow, len(files))
	errs := make([]error, len(files))
	// Most chunks of an incremental build are unchanged, with their pages
	// in place: keeping them is a few map lookups, done here in one loop
	// rather than through the workers and their lock.
	chunks, indexes := chunkRuns(files)
	var todo []int
	for c := range chunks {
		if !p.chunkCurrent(chunks[c], files, rows) {
			todo = append(todo, c)
		}
	}
	chunkErrs := make([]error, len(todo))
	err = parallel(ctx, len(todo), func(k int) error {
		chunkErrs[k] = p.scanChunk(chunks[todo[k]], files, rows, errs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	errs = append(errs, chunkErrs...)
	if err := p.chunkIndexes(indexes); err != nil {
		return nil, err
	}
	runs := map[string]*runRow{}
	var kept []*runRow
	for _, r := range rows {
		if r != nil {
			runs[r.File] = r
			kept = append(kept, r)
		}
	}
	p.m.runs, p.m.Rows = runs, kept
	sort.Slice(kept, func(i, j int) bool { return runBefore(kept[i], kept[j]) })
	p.stats.Runs = len(kept)
	return kept, errors.Join(errs...)
}

// runBefore orders runs by start time, then id.
func runBefore(a, b *runRow) bool {
	if !a.Start.Equal(b.Start) {
		return a.Start.Before(b.Start)
	}
	if a.Pipeline != b.Pipeline {
		return a.Pipeline < b.Pipeline
	}
	return a.ID < b.ID
}

var seriesBufs = sync.Pool{New: func() any { return new(pipeline.SeriesBuffers) }}

// scanRun reads one record, writes its page unless it is up to date, and
// appends the run's line of its data chunk to data.
func (p *pass) scanRun(f runFile, data []byte) (*runRow, []byte, error) {
	// The histories are read into recycled memory: they are only drawn
	// and written out, and 10,000 runs of 8,000 points each would
	// otherwise allocate 2 GB.
	buf := seriesBufs.Get().(*pipeline.SeriesBuffers)
	defer seriesBufs.Put(buf)
	run, series, sum, err := readRun(p.records, f.rel, buf)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && p.refuse(pe.Path, err) {
			return nil, data, nil // its history file leads outside the repository
		}
		return nil, data, err
	}
	row := summarize(run, f, sum, p.m.names)
	for j, k := range row.metricKeys {
		if p.goals.promoted(p.m.names.name(k)) {
			row.PromoKeys = append(row.PromoKeys, k)
			row.PromoVals = append(row.PromoVals, row.metricVals[j])
		}
	}
	p.mu.Lock()
	p.stats.Parsed++
	for _, t := range run.Tasks {
		if p.wanted[runKey(run.Pipeline, run.ID)+"\x00"+t.Name] {
			p.histories[f.rel+"\x00"+t.Name] = taskHistoryOf(series, t.Name)
			p.taskParams[f.rel+"\x00"+t.Name] = ownParams(t)
		}
	}
	p.mu.Unlock()
	if err := p.runPage(run, series, row); err != nil {
		return nil, data, err
	}
	return row, appendRunData(data, run, series, row), nil
}

// keepRunPage marks the page of row, and the files it links, kept.
func (p *pass) keepRunPage(row *runRow) {
	p.keep(runPagePath(row))
	for _, l := range row.Logs {
		p.keep("logs/" + l + ".txt")
	}
	for _, a := range row.Shown {
		p.keep(a)
	}
}

func runPagePath(row *runRow) string { return "runs/" + row.sel() + ".html" }

// summarize builds the runs-table summary of run.
func summarize(run *pipeline.Run, f runFile, sum string, names *interner) *runRow {
	row := &runRow{
		File: f.rel, Size: f.size, ModTime: f.modTime, SHA256: sum,
		Pipeline: run.Pipeline, ID: run.ID, Status: string(run.Status), Error: run.Error,
		Trigger: run.Trigger.Kind, Start: run.Start, End: run.End, selName: selOf(f.rel),
	}
	if run.Git != nil {
		row.Commit, row.Branch = run.Git.Commit, run.Git.Branch
	}
	for _, k := range sortedKeys(run.Params) {
		row.ParamKeys = append(row.ParamKeys, names.id(k))
		row.ParamVals = append(row.ParamVals, formatValue(run.Params[k]))
	}
	row.metricKeys, row.metricVals = metricsOf(run, names)
	for _, t := range run.Tasks {
		if t == nil {
			continue
		}
		for _, kv := range ownParams(t) {
			row.TaskParamKeys = append(row.TaskParamKeys, names.id(t.Name+"."+kv.Name))
			row.TaskParamVals = append(row.TaskParamVals, kv.Value)
		}
		for _, a := range t.Attempts {
			if validDigest(a.Log) {
				row.Logs = append(row.Logs, a.Log)
			}
		}
	}
	for _, a := range shownArtifacts(run) {
		row.Shown = append(row.Shown, a.rel)
	}
	return row
}

// metricsOf lists the final metrics of run's tasks as "task.metric" name
// ids and values, tasks in record order and metrics by name.
func metricsOf(run *pipeline.Run, names *interner) (nameIDs, []float64) {
	var (
		keys nameIDs
		vals []float64
	)
	for _, t := range run.Tasks {
		if t == nil {
			continue
		}
		for _, k := range sortedKeys(t.Metrics) {
			keys = append(keys, names.id(t.Name+"."+k))
			vals = append(vals, t.Metrics[k])
		}
	}
	return keys, vals
}

// loadMetricValues reads again the final metrics of the rows that came
// from the manifest, which keeps their names but not their values (80
// doubles a run were most of its bytes): only the runs pages that are
// written again need them.
func (p *pass) loadMetricValues(rows []*runRow) error {
	for _, r := range rows {
		if r.metricVals != nil || len(r.metricKeys) == 0 {
			continue
		}
		run, _, err := readRecord(p.records, r.File)
		if err != nil {
			return err
		}
		keys, vals := metricsOf(run, p.m.names)
		if !slices.Equal(keys, r.metricKeys) {
			return fmt.Errorf("%s: changed while the report was built", r.File)
		}
		r.metricVals = vals
	}
	return nil
}
