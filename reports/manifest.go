package reports

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
)

// manifestVersion changes when the manifest or the summary of a run
// changes shape; an old manifest is then ignored.
const manifestVersion = 1

// ManifestName is the file in the site folder that makes builds
// incremental. It is gob, not JSON: with 10,000 runs it is read on every
// build, and gob decodes it several times faster.
const ManifestName = ".mlcd-report.gob"

// manifest remembers what the last build read and wrote.
type manifest struct {
	Version int
	Tool    string
	// Runs are the summaries of run records, by path relative to the
	// repository. Records are immutable, so a file with the same size and
	// modification time is not read again.
	Runs map[string]*runRow
	// Pages maps each written file (relative to the site) to the hash of
	// its inputs.
	Pages map[string]string
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
	Start    time.Time
	End      time.Time
	Params   map[string]string  // run params, formatted
	Metrics  map[string]float64 // "task.metric" of every task
	Logs     []string           // digests of the attempts' logs
}

func (r *runRow) href(root string) string {
	return root + "runs/" + slug(r.Pipeline) + "/" + slug(r.ID) + ".html"
}

func (r *runRow) sel() string { return slug(r.Pipeline) + "/" + slug(r.ID) }

func readManifest(dir, tool string) *manifest {
	m := &manifest{Version: manifestVersion, Tool: tool, Runs: map[string]*runRow{}, Pages: map[string]string{}}
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		return m
	}
	defer f.Close()
	var old manifest
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(&old); err != nil || old.Version != manifestVersion {
		return m
	}
	if old.Runs != nil {
		m.Runs = old.Runs
	}
	if old.Tool == tool && old.Pages != nil {
		m.Pages = old.Pages
	}
	return m
}

func writeManifest(dir string, m *manifest) error {
	err := atomicfile.Write(filepath.Join(dir, ManifestName), 0o644, func(w io.Writer) error {
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
