package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"time"

	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/templates"
)

// Build renders the site of the repository at repo into Options.Out,
// writing only the files whose inputs changed since the last Build into
// that folder. Run records or registry files that cannot be read are
// left out and reported in the returned error; the rest of the site is
// still written. Nothing is read outside repo or written outside
// Options.Out (repofs.go): a file that leads outside the repository is
// refused, listed on the overview and named in the error.
func (b *Builder) Build(ctx context.Context, repo string) (Stats, error) {
	t0 := time.Now()
	repoRoot, err := os.OpenRoot(repo)
	if err != nil {
		return Stats{}, fmt.Errorf("open repository: %w", err)
	}
	defer repoRoot.Close()
	site, err := openSite(repoRoot, repo, b.opts.Out)
	if err != nil {
		return Stats{}, err
	}
	defer site.Close()
	p := newPass(b, site, readManifest(site, b.tool))
	defer p.w.close()
	historyHead := p.m.HistoryHead
	b.log.Debug("report step done", "step", "read manifest", "runs", len(p.m.runs), "took", time.Since(t0))
	p.repo, p.repoRoot, p.repoFS, p.records = repo, repoRoot, repoRoot.FS(), newFolderFS(repoRoot)
	defer p.records.close()
	var problems []error
	if p.goals, err = loadGoals(repo); err != nil {
		// The runs are still worth a report: only the promotion metric's
		// highlight and verdicts are missing. `mlcd validate` says why.
		b.log.Warn("report without the promotion metric", "err", err)
	}
	if b.opts.GitHistory || b.opts.GitDir != "" {
		dir := repo
		if b.opts.GitDir != "" {
			dir = b.opts.GitDir
		}
		if p.forge, err = repoForge(dir, b.opts.GitDir != ""); err != nil {
			return p.stats, fmt.Errorf("read the repository's remote: %w", err)
		}
	}
	if p.m.Forge != p.forge.Base {
		// Every page with a commit links to the forge, or no longer does:
		// none of the pages is current, but each is still known, so that
		// those of deleted runs are removed.
		for k := range p.m.Pages {
			p.m.Pages[k] = ""
		}
		p.m.Forge, p.m.current = p.forge.Base, false
	}
	if p.m.PromoMetric != p.goals.Metric {
		// The rows keep the values of the promotion metric: another
		// metric means reading every record again.
		p.m.runs, p.m.PromoMetric = map[string]*runRow{}, p.goals.Metric
	}
	var models []*registry.Model
	if b.opts.LoadModels != nil {
		models, err = b.opts.LoadModels(p.repoFS)
	} else {
		models, err = p.loadModels(repo)
	}
	problems = append(problems, err)
	p.wantHistories(models)
	stopFlush := flushAsYouGo(site, 500*time.Millisecond, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.written) > fewFiles
	})
	defer stopFlush()
	t0 = time.Now()
	rows, err := p.scanRuns(ctx)
	b.log.Debug("report step done", "step", "run pages", "runs", len(rows), "took", time.Since(t0))
	if ctxErr := ctx.Err(); ctxErr != nil {
		return p.stats, ctxErr
	}
	problems = append(problems, err)
	deps, err := p.loadDeployments()
	problems = append(problems, err)
	readme := p.readREADME()
	p.history = b.opts.StageHistory
	if p.history == nil && b.opts.GitHistory {
		if p.history, err = p.gitHistory(ctx, repo); err != nil {
			return p.stats, err
		}
	}
	byRun := make(map[string]*runRow, len(rows))
	for _, r := range rows {
		byRun[runKey(r.Pipeline, r.ID)] = r
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"static assets", p.static},
		{"runs index", func() error { return p.runsIndex(ctx, rows) }},
		{"charts page", func() error { return p.chartsPage(rows, models, byRun) }},
		{"overview", func() error { return p.overview(rows, models, deps, readme) }},
		{"model pages", func() error { return p.modelPages(ctx, models, deps, byRun) }},
		{"compare page", p.comparePage},
		{"stale pages", p.removeStale},
		{"flush", func() error { stopFlush(); return syncSite(site, p.written) }},
		{"manifest", func() error {
			if p.stats.Written == 0 && p.stats.Removed == 0 && p.stats.Parsed == 0 &&
				p.m.HistoryHead == historyHead && p.m.current {
				return nil // nothing it holds has changed: the controller re-renders often
			}
			return writeManifest(p.w, p.m)
		}},
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return p.stats, err
		}
		t0 := time.Now()
		if err := step.run(); err != nil {
			return p.stats, err
		}
		b.log.Debug("report step done", "step", step.name, "took", time.Since(t0))
	}
	for _, r := range p.refusals() {
		problems = append(problems, fmt.Errorf("%s: refused: %s", r.Path, r.Reason))
	}
	return p.stats, errors.Join(problems...)
}

// static copies the CSS and the script into static/.
func (p *pass) static() error {
	entries, err := fs.ReadDir(templates.FS, "static")
	if err != nil {
		return fmt.Errorf("list static assets: %w", err)
	}
	for _, e := range entries {
		data, err := fs.ReadFile(templates.FS, "static/"+e.Name())
		if err != nil {
			return fmt.Errorf("read static asset: %w", err)
		}
		if err := p.emit("static/"+e.Name(), "static", func() ([]byte, error) { return data, nil }); err != nil {
			return err
		}
	}
	return nil
}

type runLinkView struct {
	Pipeline, ID, Href, Status, Start, Duration, Error string
}

type pipelineView struct {
	Name   string
	Runs   int
	Latest runLinkView
}

type overviewView struct {
	Attention []runLinkView
	Pipelines []pipelineView
	Models    []modelRowView
	README    template.HTML
	Refused   []refusal // files of the repository left out because they lead outside it
}

// maxAttention bounds the failed runs listed on the overview.
const maxAttention = 20

func linkOf(r *runRow) runLinkView {
	return runLinkView{Pipeline: r.Pipeline, ID: r.ID, Href: r.href(""), Status: r.Status,
		Start: formatTime(r.Start), Duration: formatDuration(r.Start, r.End), Error: r.Error}
}

// overview writes index.html. A failed run needs attention until a later
// run of its pipeline succeeds.
func (p *pass) overview(rows []*runRow, models []*registry.Model, deps map[string]*Deployment, readme []byte) error {
	v := &overviewView{Models: modelRows(models, deps, "", p.goals.Metric), Refused: p.refusals()}
	byPipeline := map[string]*pipelineView{}
	fixed := map[string]bool{}
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		pv := byPipeline[r.Pipeline]
		if pv == nil {
			pv = &pipelineView{Name: r.Pipeline, Latest: linkOf(r)}
			byPipeline[r.Pipeline] = pv
		}
		pv.Runs++
		switch r.Status {
		case "success":
			fixed[r.Pipeline] = true
		case "failed", "interrupted":
			if !fixed[r.Pipeline] && len(v.Attention) < maxAttention {
				v.Attention = append(v.Attention, linkOf(r))
			}
		}
	}
	for _, name := range sortedKeys(byPipeline) {
		v.Pipelines = append(v.Pipelines, *byPipeline[name])
	}
	hash, err := p.jsonHash(struct {
		V *overviewView
		R []byte
	}{v, readme})
	if err != nil {
		return err
	}
	return p.emit("index.html", hash, func() ([]byte, error) {
		html, err := p.b.markdown(readme)
		if err != nil {
			return nil, err
		}
		v.README = html
		return p.b.render("overview", page0("Overview", "", v))
	})
}

// comparePage writes compare.html, which compares the runs its address
// names in the browser; it holds the promotion metric's goal, for the
// better/worse marks.
func (p *pass) comparePage() error {
	v := struct{ Metric, Goal, Tasks string }{Metric: p.goals.Metric, Goal: p.goals.Goal}
	tasks, err := json.Marshal(sortedKeys(p.goals.Tasks))
	if err != nil {
		return fmt.Errorf("compare page: %w", err)
	}
	v.Tasks = string(tasks)
	return p.emit("compare.html", "compare\x00"+v.Metric+"\x00"+v.Goal+"\x00"+v.Tasks, func() ([]byte, error) {
		return p.b.render("compare", page0("Compare", "", v))
	})
}
