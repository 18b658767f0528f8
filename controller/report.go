package controller

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/mlcd-dev/mlcd/reports"
)

// reportState is what the controller knows of its report: one build at a
// time (runs, deploys and promotions all rebuild it), and the commit it
// shows.
type reportState struct {
	mu     sync.Mutex
	commit string // the commit the report was last built from
}

// renderReport renders the static report of the branch at commit into the
// report folder (Config.ReportDir, default <state>/site). Pages of runs
// that did not change are not rewritten. A failure is reported in the status
// and never stops the controller: the records are safe in git either way.
func (c *Controller) renderReport(ctx context.Context, commit string) {
	if c.cfg.ReportDir == "-" {
		return
	}
	c.report.mu.Lock()
	defer c.report.mu.Unlock()
	if err := c.buildReport(ctx, commit); err != nil {
		c.status.addError(fmt.Errorf("report: %w", err))
		c.log.Error("report", "err", err)
		return
	}
	c.report.commit = commit
}

// refreshReport rebuilds the report when the branch moved since it was
// built: after promotions, deploys, rollbacks and refusals, which commit
// to the branch without a run. The build is incremental: only the pages
// whose inputs changed are written.
func (c *Controller) refreshReport(ctx context.Context) {
	if c.cfg.ReportDir == "-" {
		return
	}
	tip, err := c.repo.ResolveRef(ctx, c.cfg.Branch)
	if err != nil {
		c.log.Warn("report: the branch's tip", "err", err)
		return
	}
	c.report.mu.Lock()
	done := c.report.commit == tip
	c.report.mu.Unlock()
	if !done {
		c.renderReport(ctx, tip)
	}
}

// buildReport builds the report of commit; the caller holds c.report.mu.
func (c *Controller) buildReport(ctx context.Context, commit string) error {
	src := filepath.Join(c.state.root, "tmp", "report-"+short(commit))
	_ = os.RemoveAll(src)
	defer os.RemoveAll(src)
	if err := c.repo.Checkout(ctx, commit, src); err != nil {
		return err
	}
	storeDir := c.storeRoot
	b, err := reports.New(reports.Options{Out: c.reportDir(), StoreDir: storeDir, Logger: c.cfg.Logger,
		GitHistory: true, GitDir: c.repo.Dir(), GitRev: commit})
	if err != nil {
		return err
	}
	stats, err := b.Build(ctx, src)
	if err != nil {
		return err
	}
	c.log.Info("report", "site", "file://"+filepath.Join(c.reportDir(), "index.html"), "written", stats.Written, "unchanged", stats.Skipped)
	return nil
}

// reportDir is where the report is written.
func (c *Controller) reportDir() string {
	if c.cfg.ReportDir != "" {
		return c.cfg.ReportDir
	}
	return filepath.Join(c.state.root, "site")
}

// ReportDir is the folder of the static report the controller renders.
func (c *Controller) ReportDir() string { return c.reportDir() }
