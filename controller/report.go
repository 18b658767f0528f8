package controller

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/mlcd-dev/mlcd/reports"
	"github.com/mlcd-dev/mlcd/store"
)

// reportState is what the controller knows of its report: one build at a
// time (runs, deploys and promotions all rebuild it), and the commit it
// shows.
type reportState struct {
	mu     sync.Mutex
	commit string // the commit the report was last built from
}

// refreshReport rebuilds the static report from the branch's tip into the
// report folder (Config.ReportDir, default <state>/site) when it was built
// from another commit: after runs, promotions, deploys, rollbacks and
// refusals. The build is incremental: only the pages whose inputs changed
// are written. A failure is reported in the status and never stops the
// controller: the records are safe in git either way.
//
// The tip is read under the report's lock. A run's record and the event
// loop both refresh the report; were the tip read before the lock, a
// build of an older tip could finish after one of a newer tip and leave
// the report behind the branch until the next commit.
func (c *Controller) refreshReport(ctx context.Context) {
	if c.cfg.ReportDir == "-" {
		return
	}
	c.report.mu.Lock()
	defer c.report.mu.Unlock()
	tip, err := c.repo.ResolveRef(ctx, c.cfg.Branch)
	if err != nil {
		c.log.Warn("report: the branch's tip", "err", err)
		return
	}
	if c.report.commit == tip {
		return
	}
	if err := c.buildReport(ctx, tip); err != nil {
		c.status.addError(fmt.Errorf("report: %w", err))
		c.log.Error("report", "err", err)
		return
	}
	c.report.commit = tip
}

// buildReport builds the report of commit; the caller holds c.report.mu.
func (c *Controller) buildReport(ctx context.Context, commit string) error {
	src := filepath.Join(c.state.root, "tmp", "report-"+short(commit))
	_ = os.RemoveAll(src)
	defer os.RemoveAll(src)
	if err := c.repo.Checkout(ctx, commit, src); err != nil {
		return err
	}
	storeDir, fetch := "", (func(string) error)(nil)
	if c.store != nil {
		var err error
		if storeDir, fetch, err = store.Files(ctx, c.store, c.state.objects()); err != nil {
			return err
		}
	}
	b, err := reports.New(reports.Options{Out: c.reportDir(), StoreDir: storeDir, Fetch: fetch, Logger: c.cfg.Logger,
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
