package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/reports"
	"github.com/mlcd-dev/mlcd/store"
	"github.com/spf13/cobra"
)

type reportOptions struct {
	repo    string
	out     string
	baseURL string
	store   string
	push    string
}

func newReportCommand(opts *globalOptions) *cobra.Command {
	ro := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Render the static HTML report of runs, models and deployments",
		Long: `report renders the repository's run records, model registry and deployment
records as a static site that opens from file:// or GitHub Pages. Only pages
whose inputs changed since the last report into the same folder are written.

Artifacts are linked and task logs copied from the artifact store when it
exists on this machine; the report never creates one.
` + store.Rule,
		Example: "  mlcd report --repo . --out site/\n  mlcd report --store ~/.local/share/mlcd/store\n  mlcd report --out /tmp/site --push gh-pages",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReport(cmd.Context(), opts, ro, opts.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ro.repo, "repo", ".", "the repository to report on")
	f.StringVar(&ro.out, "out", "", "the folder to write the site to (default <repo>/site)")
	f.StringVar(&ro.baseURL, "base-url", "", "where the site is published, for links in Markdown summaries")
	f.StringVar(&ro.store, "store", "", "the artifact store to link artifacts and copy task logs from (default: see above)")
	f.StringVar(&ro.push, "push", "", "commit the site as the whole tree of this branch (e.g. gh-pages) and push it to origin")
	return cmd
}

func runReport(ctx context.Context, opts *globalOptions, ro *reportOptions, out io.Writer) error {
	if ro.out == "" {
		ro.out = filepath.Join(ro.repo, "site")
	}
	storeDir, fetch := "", (func(string) error)(nil)
	if st, err := existingStore(ctx, ro.store, ro.repo, os.Getenv); err == nil {
		if storeDir, fetch, err = storeFiles(ctx, st); err != nil {
			return err
		}
	} else if ro.store != "" {
		return badInput(fmt.Errorf("report: %w", err))
	}
	b, err := reports.New(reports.Options{Out: ro.out, BaseURL: ro.baseURL, StoreDir: storeDir, Fetch: fetch,
		GitHistory: true, Logger: newLogger(opts)})
	if err != nil {
		return err
	}
	stats, err := b.Build(ctx, ro.repo)
	site := ro.out
	if abs, aerr := filepath.Abs(ro.out); aerr == nil {
		site = abs
	}
	if _, werr := fmt.Fprintf(out, "report: %d runs (%d read), %d files written, %d unchanged, %d removed -> %s\n",
		stats.Runs, stats.Parsed, stats.Written, stats.Skipped, stats.Removed, site); werr != nil && err == nil {
		err = werr
	}
	if err == nil {
		if _, werr := fmt.Fprintf(out, "open file://%s\n", filepath.Join(site, "index.html")); werr != nil {
			err = werr
		}
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if ro.push == "" {
		return nil
	}
	res, err := reports.Publish(ctx, ro.repo, ro.out, ro.push, "mlcd report")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	state := "unchanged"
	switch {
	case res.Pushed:
		state = "committed and pushed to origin"
	case res.Changed:
		state = "committed (no origin to push to)"
	}
	_, err = fmt.Fprintf(out, "report: branch %s at %.12s, %s\n", ro.push, res.Commit, state)
	return err
}
