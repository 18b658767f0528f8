package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/reports"
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
whose inputs changed since the last report into the same folder are written.`,
		Example: "  mlcd report --repo . --out site/\n  mlcd report --store ~/.local/share/mlcd/store",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReport(cmd.Context(), opts, ro, opts.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ro.repo, "repo", ".", "the repository to report on")
	f.StringVar(&ro.out, "out", "", "the folder to write the site to (default <repo>/site)")
	f.StringVar(&ro.baseURL, "base-url", "", "where the site is published, for links in Markdown summaries")
	f.StringVar(&ro.store, "store", "", "a local artifact store folder: link artifacts and copy task logs")
	f.StringVar(&ro.push, "push", "", "commit the site to this branch (not available yet)")
	return cmd
}

func runReport(ctx context.Context, opts *globalOptions, ro *reportOptions, out io.Writer) error {
	if ro.push != "" {
		return badInput(errors.New("--push is not available yet: commit the site folder yourself"))
	}
	if ro.out == "" {
		ro.out = filepath.Join(ro.repo, "site")
	}
	b, err := reports.New(reports.Options{Out: ro.out, BaseURL: ro.baseURL, StoreDir: ro.store, Logger: newLogger(opts)})
	if err != nil {
		return err
	}
	stats, err := b.Build(ctx, ro.repo)
	if _, werr := fmt.Fprintf(out, "report: %d runs (%d read), %d files written, %d unchanged, %d removed -> %s\n",
		stats.Runs, stats.Parsed, stats.Written, stats.Skipped, stats.Removed, ro.out); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
