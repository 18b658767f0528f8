package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// Artifacts a person can look at are copied into the site, named by
// their digest (artifacts/<sha256>.<ext>, so each is stored once however
// many runs produced it): images, shown with <img> (an SVG drawn as an
// image runs no script), and text, shown inline when small. The site
// keeps to a budget: no copied file over maxCopyBytes, no more than
// runCopyBytes a run. The rest are listed with size and digest; they are
// in the artifact store under sha256/<first two hex digits>/<the rest>.
const (
	maxCopyBytes   = 2 << 20  // largest artifact copied into the site
	maxInlineBytes = 16 << 10 // largest text shown in the page
	runCopyBytes   = 8 << 20  // artifacts copied for one run, at most
)

// artifactExts are the kinds of file the site shows, by extension.
var artifactExts = map[string]string{
	".png": "image", ".jpg": "image", ".jpeg": "image", ".svg": "image",
	".txt": "text", ".csv": "text", ".tsv": "text", ".json": "text", ".md": "text", ".log": "text", ".yaml": "text", ".yml": "text",
}

// shownArtifact is an output the site copies.
type shownArtifact struct {
	task string
	out  pipeline.Output
	kind string // "image" or "text"
	rel  string // its file in the site
}

// shownArtifacts lists the outputs of run the site copies, in record
// order, within the budgets. It depends on the record alone, so that a
// build that keeps a run's page keeps the same files.
func shownArtifacts(run *pipeline.Run) []shownArtifact {
	var out []shownArtifact
	budget := int64(runCopyBytes)
	for _, t := range run.Tasks {
		if t == nil {
			continue
		}
		for _, o := range t.Outputs {
			ext := strings.ToLower(path.Ext(o.Path))
			kind := artifactExts[ext]
			if kind == "" || !validDigest(o.SHA256) || o.Size < 0 || o.Size > maxCopyBytes || o.Size > budget {
				continue
			}
			budget -= o.Size
			out = append(out, shownArtifact{task: t.Name, out: o, kind: kind, rel: "artifacts/" + o.SHA256 + ext})
		}
	}
	return out
}

// artifactNote says why an output is only listed.
func artifactNote(o pipeline.Output) string {
	ext := strings.ToLower(path.Ext(o.Path))
	switch {
	case artifactExts[ext] == "":
		return ""
	case o.Size > maxCopyBytes:
		return "not copied into the site: over 2 MiB"
	}
	return "not copied into the site: over the run's 8 MiB"
}

// showArtifacts copies the artifacts the site shows and fills in their
// views (views are in record order, one per output).
func (p *pass) showArtifacts(run *pipeline.Run, views []artifactView) error {
	shown := shownArtifacts(run)
	i := 0
	for _, a := range shown {
		for i < len(views) && (views[i].Task != a.task || views[i].Path != a.out.Path || views[i].SHA256 != a.out.SHA256) {
			i++
		}
		if i == len(views) {
			break
		}
		views[i].Note = ""
		if err := p.showArtifact(a, &views[i]); err != nil {
			return err
		}
	}
	return nil
}

// showArtifact copies a shown artifact from the local store into the
// site, checking its digest, and fills in how the page shows it. An
// object missing from the store, or not matching its digest, is listed
// with a note.
func (p *pass) showArtifact(a shownArtifact, v *artifactView) error {
	src := p.b.objectPath(a.out.SHA256)
	if src == "" {
		return nil
	}
	data, err := readObject(src, a.out.SHA256)
	if os.IsNotExist(err) {
		v.Note = "not in the local store"
		return nil
	}
	if err != nil {
		v.Note = err.Error()
		return nil
	}
	err = p.emitWith(a.rel, a.out.SHA256, func(path string, fresh bool) error { return p.w.writePage(path, data, fresh) })
	if err != nil {
		return err
	}
	v.Size = int64(len(data))
	switch {
	case a.kind == "image":
		v.Image = "../../" + a.rel // an <img>, and no link: an SVG opened as a page would run its scripts
	case len(data) <= maxInlineBytes && utf8.Valid(data):
		v.Text = string(data)
		v.Href = "../../" + a.rel
	default:
		v.Href = "../../" + a.rel
	}
	return nil
}

// readObject reads a store object of at most maxCopyBytes and checks it
// against its digest.
func readObject(src, digest string) ([]byte, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCopyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read artifact: %w", err)
	}
	sum := sha256.Sum256(data)
	if len(data) > maxCopyBytes || hex.EncodeToString(sum[:]) != digest {
		return nil, fmt.Errorf("the store's object does not match its digest")
	}
	return data, nil
}
