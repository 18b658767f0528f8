package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/templates"
	"github.com/yuin/goldmark"
)

// Options configure a Builder.
type Options struct {
	// Out is the folder the site is written to.
	Out string
	// BaseURL is where the site is published (e.g. a GitHub Pages URL);
	// only used for links in Markdown comparisons. Pages link relatively.
	BaseURL string
	// StoreDir is the root of a local artifact store; when set, artifacts
	// link to their objects and task logs are copied into the site.
	StoreDir string
	// Fetch, when set, is called for an object missing from StoreDir
	// before the report reads it: StoreDir is then a local copy of a
	// bucket store that Fetch fills (store.Files).
	Fetch func(digest string) error
	// PageSize is the number of runs per runs-table page (default 100).
	PageSize int
	// LoadModels reads the registry from the repository; nil uses
	// registry.LoadDir on the repository's folder.
	LoadModels func(fsys fs.FS) ([]*registry.Model, error)
	// StageHistory lists, per model name, who changed which version's stage
	// and when. When nil and GitHistory is set, Build reads it from the
	// repository's git history (incrementally, from the last build's HEAD).
	StageHistory map[string][]StageChange
	GitHistory   bool
	// GitDir and GitRev, when set, are where GitHistory reads the history
	// from instead of the repository folder and its HEAD: a bare clone and
	// the commit the site is rendered from.
	GitDir, GitRev string
	// LogTailLines is the number of last log lines shown inline (default 20).
	LogTailLines int
	Logger       *slog.Logger
}

// StageChange is one change of a version's stage, from the git history.
type StageChange struct {
	Model   string
	Version int
	From    registry.Stage
	To      registry.Stage
	Author  string
	Time    time.Time
	Commit  string
	PR      int    // 0 when not made through a pull request
	PRURL   string // https URL of the pull request, or ""
}

// Builder renders sites. It parses every template once in New and is safe
// for one Build at a time.
type Builder struct {
	opts  Options
	pages map[string]*template.Template
	sizes map[string]*atomic.Int64 // last size of each page template
	md    goldmark.Markdown
	// tool identifies the templates, assets and options: a change of any
	// of them re-renders every page.
	tool string
	log  *slog.Logger
}

// pageTemplates are the files in templates/html that are pages; each is
// parsed with layout.html.
var pageTemplates = []string{"overview", "runs", "charts", "run", "compare", "models", "model", "versioncompare"}

// New parses the templates and returns a Builder, or the first template
// error.
func New(opts Options) (*Builder, error) {
	if opts.Out == "" {
		return nil, errors.New("reports: no output folder")
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.LogTailLines <= 0 {
		opts.LogTailLines = 20
	}

	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Builder{opts: opts, pages: map[string]*template.Template{}, sizes: map[string]*atomic.Int64{}, md: newMarkdown(),
		log: opts.Logger.With("component", "reports")}
	base, err := template.New("base").Funcs(funcs).ParseFS(templates.FS, "html/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	for _, name := range pageTemplates {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone templates: %w", err)
		}
		if _, err := t.ParseFS(templates.FS, "html/"+name+".html"); err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		b.pages[name] = t
		b.sizes[name] = new(atomic.Int64)
	}
	tool, err := toolHash(opts)
	if err != nil {
		return nil, err
	}
	b.tool = tool
	return b, nil
}

var funcs = template.FuncMap{}

// toolHash hashes everything besides the inputs that shapes a page.
func toolHash(opts Options) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "v%s\x00%s\x00%s\x00%d\x00%d\x00", manifestVersion(), opts.BaseURL, opts.StoreDir, opts.PageSize, opts.LogTailLines)
	var files []string
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("list templates: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := fs.ReadFile(templates.FS, f)
		if err != nil {
			return "", fmt.Errorf("read template: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// page is what the layout template receives.
type page struct {
	Title string
	Root  string // relative path from the page to the site root: "", "../"
	Data  any
}

// slotMarker stands, in a rendered page, for the part renderSlotted
// appends by itself. Text from records cannot forge it: html/template
// escapes every "<" it prints.
const slotMarker = "<!--mlcd:slot-->"

// renderSlotted renders the page template name, whose data prints
// slotMarker once, and writes fill's output in its place, straight into
// the page. A run page's 80 charts are 100 KiB: as a template value they
// were built in a buffer of their own, copied into a string and copied
// again into the page, 200 KiB of garbage for each of 10,000 pages.
func (b *Builder) renderSlotted(name string, p page, fill func([]byte) []byte) ([]byte, error) {
	out, err := b.render(name, p)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(out, []byte(slotMarker))
	if i < 0 || bytes.Contains(out[i+len(slotMarker):], []byte(slotMarker)) {
		return nil, fmt.Errorf("render %s: the page must hold one slot", name)
	}
	tail := bytes.Clone(out[i+len(slotMarker):]) // the page's last lines
	out = fill(out[:i])
	out = append(out, tail...)
	b.sizes[name].Store(int64(len(out)))
	return out, nil
}

// render executes the page template name into a new buffer.
func (b *Builder) render(name string, p page) ([]byte, error) {
	t, ok := b.pages[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	// Start from the size of the last page of this kind, so that a
	// 150 KiB run page is not grown through a dozen copies.
	hint := b.sizes[name]
	buf := bytes.NewBuffer(getBuf(int(hint.Load() + hint.Load()/8)))
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	hint.Store(int64(buf.Len()))
	return buf.Bytes(), nil
}
