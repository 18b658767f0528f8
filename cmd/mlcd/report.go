package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
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
	f.StringVar(&ro.store, "store", "", "a local artifact store folder: link artifacts and copy task logs\n(default: the store mlcd run uses, when it is a folder on this machine)")
	f.StringVar(&ro.push, "push", "", "commit the site as the whole tree of this branch (e.g. gh-pages) and push it to origin")
	return cmd
}

func runReport(ctx context.Context, opts *globalOptions, ro *reportOptions, out io.Writer) error {
	if ro.out == "" {
		ro.out = filepath.Join(ro.repo, "site")
	}
	if ro.store == "" {
		ro.store = localStoreDir(ro.repo, os.Getenv)
	}
	b, err := reports.New(reports.Options{Out: ro.out, BaseURL: ro.baseURL, StoreDir: ro.store,
		GitHistory: true, Logger: newLogger(opts)})
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

// localStoreDir finds the artifact store that mlcd run uses for repo
// ($MLCD_STORE, else store: in mlcd.yaml, else the user's data folder)
// and returns its folder when it is a local one that exists; "" otherwise.
// Unlike opening the store, it never creates one.
func localStoreDir(repo string, getenv func(string) string) string {
	loc := getenv("MLCD_STORE")
	if loc == "" {
		if data, err := os.ReadFile(filepath.Join(repo, pipeline.FileName)); err == nil {
			if p, err := pipeline.Parse(pipeline.FileName, data); err == nil && p != nil && p.Store != "" {
				loc = p.Store
				if !strings.Contains(loc, "://") && !filepath.IsAbs(loc) {
					loc = filepath.Join(repo, loc)
				}
			}
		}
	}
	if loc == "" {
		data := getenv("XDG_DATA_HOME")
		if data == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return ""
			}
			data = filepath.Join(home, ".local", "share")
		}
		loc = filepath.Join(data, "mlcd", "store")
	}
	if rest, ok := strings.CutPrefix(loc, "file://"); ok {
		loc = rest
	} else if strings.Contains(loc, "://") {
		return "" // not a local folder
	}
	if fi, err := os.Stat(filepath.Join(loc, "sha256")); err != nil || !fi.IsDir() {
		return ""
	}
	return loc
}
