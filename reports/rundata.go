package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// The compare page reads each run's params, final metrics and metric
// histories from chunk files, not from a file per run: creating 10,000
// small files was a third of a full build's kernel time, and a chunk is
// written as fast as one of its runs' files was.
//
//   - runs/<pipeline>/data-<k>.js holds runsPerChunk runs of a pipeline,
//     the k-th group of them in the order of their pages' names (which
//     start with the run's time), one line per run: mlcdRun({...}); as
//     runData writes it.
//   - runs/<pipeline>/data.js lists the page name of each chunk's first
//     run: mlcdRunChunks("<pipeline>", ["<first of chunk 0>", ...]). The
//     compare page finds a run's chunk there by binary search.
//
// A chunk's content depends only on its runs' records, so a build after a
// new run rewrites the last chunk alone, and the index only when a chunk
// starts. The lines of the chunk's other runs are taken from the chunk
// the build before wrote (oldChunkLines), not made again from their
// records: a new run reads its own record only.

// runsPerChunk is how many runs a data chunk holds: with 80 histories of
// 100 steps a run, about 900 KiB.
const runsPerChunk = 32

// runChunk is one data chunk of a pipeline's runs.
type runChunk struct {
	rel     string // runs/<pipeline>/data-<k>.js
	members []int  // indexes of its runs in the records listed
}

// chunkIndex is runs/<pipeline>/data.js: the page name of each chunk's
// first run.
type chunkIndex struct {
	pslug  string
	firsts []string
}

// chunkRuns groups the records listed into data chunks: by pipeline
// folder, in the order of the runs' page names (then their paths, where
// two records share one).
func chunkRuns(files []runFile) ([]runChunk, []chunkIndex) {
	type member struct {
		i            int
		pslug, rslug string
	}
	byPipeline := map[string][]member{}
	for i, f := range files {
		pslug, rslug, _ := strings.Cut(selOf(f.rel), "/")
		byPipeline[pslug] = append(byPipeline[pslug], member{i, pslug, rslug})
	}
	var (
		chunks  []runChunk
		indexes []chunkIndex
	)
	for _, pslug := range sortedKeys(byPipeline) {
		ms := byPipeline[pslug]
		sort.Slice(ms, func(a, b int) bool {
			if ms[a].rslug != ms[b].rslug {
				return ms[a].rslug < ms[b].rslug
			}
			return files[ms[a].i].rel < files[ms[b].i].rel
		})
		ix := chunkIndex{pslug: pslug}
		for start := 0; start < len(ms); start += runsPerChunk {
			c := runChunk{rel: "runs/" + pslug + "/data-" + strconv.Itoa(len(ix.firsts)) + ".js"}
			for _, m := range ms[start:min(start+runsPerChunk, len(ms))] {
				c.members = append(c.members, m.i)
			}
			ix.firsts = append(ix.firsts, ms[start].rslug)
			chunks = append(chunks, c)
		}
		indexes = append(indexes, ix)
	}
	return chunks, indexes
}

// chunkHash is the hash of a chunk's inputs: its runs' page names and
// record digests, in order.
func chunkHash(rows []*runRow) string {
	h := sha256.New()
	for _, r := range rows {
		h.Write([]byte(r.sel()))
		h.Write([]byte{0})
		h.Write([]byte(r.SHA256))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// chunkCurrent reports whether chunk c and the pages of its runs are up to
// date: every record unchanged since the manifest's summary, the chunk
// written from the same records, each run's page in place. It then keeps
// them and puts the manifest's summaries in rows.
func (p *pass) chunkCurrent(c runChunk, files []runFile, rows []*runRow) bool {
	old := make([]*runRow, 0, len(c.members))
	for _, i := range c.members {
		o := p.unchanged(files[i])
		if o == nil {
			return false
		}
		old = append(old, o)
	}
	hash := chunkHash(old)
	p.mu.Lock()
	ok := p.m.Pages[c.rel] == hash
	for _, o := range old {
		ok = ok && p.m.Pages[runPagePath(o)] == o.SHA256
	}
	p.mu.Unlock()
	if !ok || !p.siteHas(c.rel) {
		return false
	}
	for _, o := range old {
		if !p.siteHas(runPagePath(o)) {
			return false
		}
	}
	for j, i := range c.members {
		rows[i] = old[j]
		p.keepRunPage(old[j])
	}
	p.keep(c.rel)
	p.mu.Lock()
	p.stats.Skipped += 1 + len(old)
	p.mu.Unlock()
	return true
}

// scanChunk writes chunk c and the pages of its runs that changed. A run
// whose record is unchanged, whose page is in place and whose line the
// chunk written before holds keeps them; the others' records are read. A
// record that cannot be read is left out of the chunk, its error put in
// errs.
func (p *pass) scanChunk(c runChunk, files []runFile, rows []*runRow, errs []error) error {
	kept := p.oldChunkLines(c, files)
	buf := getBuf(len(c.members) * (32 << 10))
	got := make([]*runRow, 0, len(c.members))
	for _, i := range c.members {
		if o := p.unchanged(files[i]); o != nil && kept[o.sel()] != nil && p.runPageCurrent(o) {
			rows[i] = o
			buf = append(buf, kept[o.sel()]...)
			p.keepRunPage(o)
			p.mu.Lock()
			p.stats.Skipped++
			p.mu.Unlock()
		} else {
			rows[i], buf, errs[i] = p.scanRun(files[i], buf)
		}
		if rows[i] != nil {
			got = append(got, rows[i])
		}
	}
	return p.emit(c.rel, chunkHash(got), func() ([]byte, error) { return buf, nil })
}

// unchanged returns the manifest's summary of the record f, if the record
// has not changed since.
func (p *pass) unchanged(f runFile) *runRow {
	if o := p.m.runs[f.rel]; o != nil && o.Size == f.size && o.ModTime == f.modTime {
		return o
	}
	return nil
}

// runPageCurrent reports whether the page of row is in the site, written
// from the same record.
func (p *pass) runPageCurrent(row *runRow) bool {
	page := runPagePath(row)
	p.mu.Lock()
	ok := p.m.Pages[page] == row.SHA256
	p.mu.Unlock()
	return ok && p.siteHas(page)
}

// oldChunkLines returns the lines of the chunk file the build before wrote
// at c's place, by run page name, when they can be trusted: every line is
// of a run of c the manifest knows, and the manifest's hash of the chunk
// is that of these runs' records then (scanChunk uses the lines of those
// whose records are unchanged since). Otherwise, or in a build from
// nothing, it returns nil.
func (p *pass) oldChunkLines(c runChunk, files []runFile) map[string][]byte {
	p.mu.Lock()
	want := p.m.Pages[c.rel]
	p.mu.Unlock()
	if want == "" || !p.siteHas(c.rel) {
		return nil
	}
	data, err := p.site.ReadFile(c.rel)
	if err != nil {
		return nil // written again from the records
	}
	// The manifest's summaries, changed records or not: the chunk was
	// written from what they say.
	bySel := make(map[string]*runRow, len(c.members))
	for _, i := range c.members {
		if o := p.m.runs[files[i].rel]; o != nil {
			bySel[o.sel()] = o
		}
	}
	lines := map[string][]byte{}
	var rows []*runRow
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n')
		if n < 0 {
			return nil
		}
		line := data[:n+1]
		data = data[n+1:]
		sel, ok := chunkLineSel(line)
		o := bySel[sel]
		if !ok || o == nil || lines[sel] != nil {
			return nil
		}
		lines[sel] = line
		rows = append(rows, o)
	}
	if chunkHash(rows) != want {
		return nil
	}
	return lines
}

// chunkLineSel reads the page name of the run of a chunk's line,
// "<pipeline slug>/<run slug>", as appendRunData writes it first.
func chunkLineSel(line []byte) (string, bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`mlcdRun({"pslug":"`))
	if !ok {
		return "", false
	}
	pslug, rest, ok := bytes.Cut(rest, []byte(`","slug":"`))
	if !ok {
		return "", false
	}
	rslug, _, ok := bytes.Cut(rest, []byte(`","id":`))
	if !ok || !safeSlug(pslug) || !safeSlug(rslug) {
		return "", false
	}
	return string(pslug) + "/" + string(rslug), true
}

// safeSlug reports whether s is a name slug makes: a letter or digit,
// then up to 127 letters, digits, dots, underscores and dashes.
func safeSlug(s []byte) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i, c := range s {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// chunkIndexes writes runs/<pipeline>/data.js of each pipeline.
func (p *pass) chunkIndexes(indexes []chunkIndex) error {
	for _, ix := range indexes {
		b := []byte("mlcdRunChunks(")
		b = appendJSONString(b, ix.pslug)
		b = append(b, ",["...)
		for k, first := range ix.firsts {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, first)
		}
		b = append(b, "]);\n"...)
		sum := sha256.Sum256(b)
		if err := p.emit("runs/"+ix.pslug+"/data.js", hex.EncodeToString(sum[:]), func() ([]byte, error) { return b, nil }); err != nil {
			return err
		}
	}
	return nil
}
