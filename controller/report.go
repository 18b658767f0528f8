package controller

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/reports"
)

// renderReport renders the static report of the branch at commit into the
// report folder (Config.ReportDir, default <state>/site). Pages of runs
// that did not change are not rewritten. A failure is reported in the status
// and never stops the controller: the records are safe in git either way.
func (c *Controller) renderReport(ctx context.Context, commit string) {
	if c.cfg.ReportDir == "-" {
		return
	}
	if err := c.buildReport(ctx, commit); err != nil {
		c.status.addError(fmt.Errorf("report: %w", err))
		c.log.Error("report", "err", err)
	}
}

func (c *Controller) buildReport(ctx context.Context, commit string) error {
	src := filepath.Join(c.state.root, "tmp", "report-"+short(commit))
	_ = os.RemoveAll(src)
	defer os.RemoveAll(src)
	if err := c.repo.Checkout(ctx, commit, src); err != nil {
		return err
	}
	storeDir := ""
	if c.storeRoot != "" {
		storeDir = c.storeRoot
	}
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
