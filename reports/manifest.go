package reports

import (
	"bufio"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// ManifestName is the file in the site folder that makes builds
// incremental. It is gob, not JSON: with 10,000 runs it is read on every
// build, and gob decodes it several times faster.
const ManifestName = ".mlcd-report.gob"

// manifest remembers what the last build read and wrote.
type manifest struct {
	Version string // manifestVersion: the code that wrote it (renderversion.go)
	Tool    string
	// Names are the param and metric names that rows refer to by index:
	// 10,000 rows of 80 metrics decode in milliseconds as numbers, and in
	// a second as maps.
	Names []string
	// Rows are the summaries of run records. Records are immutable, so a
	// file with the same size and modification time is not read again.
	Rows []*runRow
	// KeySets are the distinct lists of metric names of the rows.
	KeySets []nameIDs
	// runs indexes Rows by path relative to the repository.
	runs  map[string]*runRow
	names *interner
	// Pages maps each written file (relative to the site) to the hash of
	// its inputs. They are only compared under the same Tool: a manifest
	// from other templates or options starts with no pages.
	Pages pageHashes
	// PromoMetric is the promotion metric the rows' PromoKeys are of.
	PromoMetric string
	// Forge is the GitHub repository the pages link commits to.
	Forge string
	// HistoryHead is the commit the stage history was read at.
	HistoryHead string
	History     map[string][]StageChange
	// current says the manifest was read from the site and made by the
	// same templates and options: a build that changes nothing need not
	// write it again.
	current bool
}

// runRow is the summary of one run record: enough for the runs table, the
// overview and the model pages.
type runRow struct {
	File     string // slash path relative to the repository
	Size     int64
	ModTime  int64 // unix nanoseconds
	SHA256   string
	Pipeline string
	ID       string
	Status   string
	Error    string
	Trigger  string
	Commit   string
	Branch   string
	Start    time.Time
	End      time.Time
	// Run params (formatted) and "task.metric" of every task, by name
	// index in manifest.Names.
	ParamKeys nameIDs
	ParamVals []string
	// TaskParamKeys and TaskParamVals are the params each task reported
	// itself, as "task.param", for the charts across runs: a tuned
	// trainer's max_depth is one of them, while the run's params stay.
	TaskParamKeys nameIDs
	TaskParamVals []string
	// metricKeys are the "task.metric" names; in the manifest, MetricSet
	// indexes them in manifest.KeySets (runs of a pipeline share one set).
	// metricVals are their values, which the manifest keeps only for the
	// latest runs (Values; loadMetricValues reads the others again when a
	// page needs them).
	MetricSet int32
	// PromoKeys and PromoVals are the "task.metric" columns of the
	// promotion metric (manifest.PromoMetric) and their values, for the
	// charts across runs.
	PromoKeys nameIDs
	PromoVals []float64
	// Values keeps metricVals for the latest runs (keptValues), which
	// the charts page and the last runs page draw on every build: a new
	// run then reads no other record.
	Values     floats
	metricKeys nameIDs
	metricVals []float64
	Logs       []string // digests of the attempts' logs
	Shown      []string // the artifacts copied into the site, by site path
	selName    string   // sel(), computed once: every build asks it of every row
}

// interner numbers names for runRow; it is safe for concurrent use.
type interner struct {
	mu    sync.Mutex
	index map[string]int32
	names []string
}

func newInterner(names []string) *interner {
	in := &interner{index: make(map[string]int32, len(names)), names: names}
	for i, n := range names {
		in.index[n] = int32(i)
	}
	return in
}

func (in *interner) id(name string) int32 {
	in.mu.Lock()
	defer in.mu.Unlock()
	i, ok := in.index[name]
	if !ok {
		i = int32(len(in.names))
		in.names = append(in.names, name)
		in.index[name] = i
	}
	return i
}

// name returns the name of id; ids come from the same interner.
func (in *interner) name(id int32) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if id < 0 || int(id) >= len(in.names) {
		return ""
	}
	return in.names[id]
}

func (r *runRow) href(root string) string {
	return root + "runs/" + r.sel() + ".html"
}

// sel names the run's pages: the slugs of its pipeline's folder and of
// its record's file name (runs/<pipeline>/[<yyyy-mm>/]<run-id>.json),
// which are unique where the ids inside two records might not be. The
// month folder is left out: the run id already holds the month.
func (r *runRow) sel() string {
	if r.selName != "" {
		return r.selName // set when the row was made or read
	}
	return selOf(r.File)
}

func selOf(file string) string {
	rest := strings.TrimPrefix(file, pipeline.RunsDir+"/")
	dir, _, _ := strings.Cut(rest, "/")
	return slug(dir) + "/" + slug(strings.TrimSuffix(path.Base(file), ".json"))
}

// keySetRef is a list of names by where it is in memory.
type keySetRef struct {
	p *int32
	n int
}

// keptValues is how many of the latest runs keep their metric values in
// the manifest: the runs the charts page can draw.
const keptValues = maxChartRuns

// floats is gob-encoded as one byte string of little-endian float64s.
type floats []float64

func (f floats) GobEncode() ([]byte, error) {
	b := make([]byte, 0, 8*len(f))
	for _, v := range f {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b, nil
}

func (f *floats) GobDecode(b []byte) error {
	if len(b)%8 != 0 {
		return errors.New("manifest: bad values")
	}
	out := make(floats, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	*f = out
	return nil
}

// pageHashes maps pages to the hashes of their inputs. It is gob-encoded
// as one byte string of uvarint-prefixed names and hashes: gob's own map
// encoding took 60 ms of an incremental build for 20,000 pages, this 15.
type pageHashes map[string]string

func (p pageHashes) GobEncode() ([]byte, error) {
	b := make([]byte, 0, len(p)*112)
	for k, v := range p {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b, nil
}

func (p *pageHashes) GobDecode(b []byte) error {
	m := make(pageHashes, len(b)/112)
	next := func() (string, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", false
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, true
	}
	for len(b) > 0 {
		k, ok := next()
		v, ok2 := next()
		if !ok || !ok2 {
			return errors.New("manifest: bad page list")
		}
		m[k] = v
	}
	*p = m
	return nil
}

// nameIDs is gob-encoded as one byte string of uvarints: 10,000 rows of
// 80 metric names decode as 10,000 copies instead of 800,000 gob numbers.
type nameIDs []int32

func (ids nameIDs) GobEncode() ([]byte, error) { return binaryIDs(ids), nil }

func binaryIDs(ids nameIDs) []byte {
	b := make([]byte, 0, 2*len(ids))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(uint32(id)))
	}
	return b
}

func (ids *nameIDs) GobDecode(b []byte) error {
	out := make(nameIDs, 0, len(b))
	for len(b) > 0 {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > math.MaxInt32 {
			return errors.New("manifest: bad name id")
		}
		out = append(out, int32(v))
		b = b[n:]
	}
	*ids = out
	return nil
}

// readManifest reads the manifest of the site folder root. The manifest
// may come from anywhere (a site folder committed to the repository), so
// one that names a page or a run record outside its folder is not used.
func readManifest(root *os.Root, tool string) *manifest {
	m := &manifest{Version: manifestVersion(), Tool: tool, runs: map[string]*runRow{}, Pages: pageHashes{}, names: newInterner(nil)}
	f, err := root.Open(ManifestName)
	if err != nil {
		return m
	}
	defer f.Close()
	var old manifest
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&old); err != nil {
		return m
	}
	if !pathsInside(&old) {
		return m // not a manifest this code wrote: start again
	}
	if old.Version != manifestVersion() {
		// Other code wrote the site: every page is written again, and the
		// files it wrote that this code does not (the run data files of
		// a file per run, before data chunks) are removed as stale.
		for rel := range old.Pages {
			m.Pages[rel] = ""
		}
		return m
	}
	for _, r := range old.Rows {
		if r == nil || r.MetricSet < 0 || int(r.MetricSet) >= len(old.KeySets) {
			return m // not a manifest this code wrote: start again
		}
		r.metricKeys = old.KeySets[r.MetricSet]
		r.selName = selOf(r.File)
		if len(r.Values) == len(r.metricKeys) && len(r.Values) > 0 {
			r.metricVals = r.Values
		}
		r.Values = nil
	}
	m.names = newInterner(old.Names)
	m.HistoryHead, m.History, m.PromoMetric, m.Forge = old.HistoryHead, old.History, old.PromoMetric, old.Forge
	for _, r := range old.Rows {
		m.runs[r.File] = r
	}
	if old.Tool == tool && old.Pages != nil {
		m.Pages = old.Pages
		m.current = true
	}
	return m
}

// pathsInside checks every path of m: pages stay inside the site folder,
// run records under runs/ of the repository, logs are digests.
func pathsInside(m *manifest) bool {
	for rel := range m.Pages {
		if !localSlash(rel) {
			return false
		}
	}
	for _, r := range m.Rows {
		if r == nil || !localSlash(r.File) || !strings.HasPrefix(r.File, pipeline.RunsDir+"/") {
			return false
		}
		for _, l := range r.Logs {
			if !validDigest(l) {
				return false
			}
		}
	}
	return true
}

// localSlash reports whether rel is a clean, relative slash path that
// stays inside its folder: no "..", no leading "/", no backslash.
func localSlash(rel string) bool {
	return rel != "" && path.Clean(rel) == rel && !strings.Contains(rel, `\`) &&
		filepath.IsLocal(filepath.FromSlash(rel)) && !strings.HasPrefix(rel, "../") && rel != ".."
}

// writeManifest replaces the manifest through a rename, without an fsync
// of its own: syncSite has flushed the pages it names, and a manifest lost
// or cut short by a crash only makes the next build a full one.
func writeManifest(w *siteWriter, m *manifest) error {
	m.Names = m.names.names
	m.KeySets = m.KeySets[:0]
	sets := map[string]int32{}
	byRef := map[keySetRef]int32{}
	for i, r := range m.Rows {
		r.Values = nil
		if i >= len(m.Rows)-keptValues && len(r.metricVals) == len(r.metricKeys) {
			r.Values = r.metricVals
		}
		// Rows read from the manifest share their set's slice: found by
		// its address, without encoding 80 names a row.
		ref := keySetRef{n: len(r.metricKeys)}
		if ref.n > 0 {
			ref.p = &r.metricKeys[0]
		}
		i, ok := byRef[ref]
		if !ok {
			key := string(binaryIDs(r.metricKeys))
			if i, ok = sets[key]; !ok {
				i = int32(len(m.KeySets))
				sets[key] = i
				m.KeySets = append(m.KeySets, r.metricKeys)
			}
			byRef[ref] = i
		}
		r.MetricSet = i
	}
	err := w.writeFrom(ManifestName, false, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		if err := gob.NewEncoder(bw).Encode(m); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}
