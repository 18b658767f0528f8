package reports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
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
	fsys := p.repoFS
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
			info, err := fs.Stat(fsys, name)
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
	// Most records of an incremental build are unchanged, with their pages
	// in place: keeping them is a few map lookups, done here in one loop
	// rather than through the workers and their lock.
	var todo []int
	for i, f := range files {
		if old := p.m.runs[f.rel]; old != nil && old.Size == f.size && old.ModTime == f.modTime && p.runPagesCurrent(old) {
			rows[i] = old
			continue
		}
		todo = append(todo, i)
	}
	err = parallel(ctx, len(todo), func(k int) error {
		i := todo[k]
		rows[i], errs[i] = p.scanRun(files[i])
		return nil
	})
	if err != nil {
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

// scanRun reads one record, whose summary the manifest lacks or whose
// pages must be written again, and writes its pages.
func (p *pass) scanRun(f runFile) (*runRow, error) {
	// The histories are read into recycled memory: they are only drawn
	// and written out, and 10,000 runs of 8,000 points each would
	// otherwise allocate 2 GB.
	buf := seriesBufs.Get().(*pipeline.SeriesBuffers)
	defer seriesBufs.Put(buf)
	run, series, sum, err := readRun(p.repoFS, f.rel, buf)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && p.refuse(pe.Path, err) {
			return nil, nil // its history file leads outside the repository
		}
		return nil, err
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
	if err := p.runPages(run, series, row); err != nil {
		return nil, err
	}
	return row, nil
}

// runPagesCurrent marks the pages of row kept when they are up to date.
func (p *pass) runPagesCurrent(row *runRow) bool {
	page, data := runPagePaths(row)
	hash := row.SHA256
	p.mu.Lock()
	ok := p.m.Pages[page] == hash && p.m.Pages[data] == hash
	p.mu.Unlock()
	if !ok {
		return false
	}
	if !p.siteHas(page) {
		return false
	}
	p.keep(page)
	p.keep(data)
	for _, l := range row.Logs {
		p.keep("logs/" + l + ".txt")
	}
	for _, a := range row.Shown {
		p.keep(a)
	}
	p.mu.Lock()
	p.stats.Skipped += 2
	p.mu.Unlock()
	return true
}

func runPagePaths(row *runRow) (page, data string) {
	base := "runs/" + row.sel()
	return base + ".html", base + ".data.js"
}

// summarize builds the runs-table summary of run.
func summarize(run *pipeline.Run, f runFile, sum string, names *interner) *runRow {
	row := &runRow{
		File: f.rel, Size: f.size, ModTime: f.modTime, SHA256: sum,
		Pipeline: run.Pipeline, ID: run.ID, Status: string(run.Status), Error: run.Error,
		Trigger: run.Trigger.Kind, Start: run.Start, End: run.End,
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
		run, _, err := readRecord(p.repoFS, r.File)
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
