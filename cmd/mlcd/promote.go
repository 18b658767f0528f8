package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/promotion"
	"github.com/mlcd-dev/mlcd/registry"
)

type promoteOptions struct {
	stage     string
	repo      string
	branch    string
	author    string
	reportURL string
}

func newPromoteCommand(opts *globalOptions) *cobra.Command {
	po := &promoteOptions{}
	cmd := &cobra.Command{
		Use:   "promote MODEL VERSION",
		Short: "Open the pull request that moves a model version to a stage",
		Long: `promote commits the one-line change of models/MODEL/vVERSION.yaml's stage on a
branch mlcd/promote-MODEL-vVERSION built on the tracked branch's tip, and
pushes it. When the repository is on GitHub and GITHUB_TOKEN is set, it opens
the pull request (or updates the one already open) with the comparison of the
version against the current Production version in its body. Otherwise it
prints the command that merges the branch.

Merging the change is what deploys it. Exit status: 0 done, 3 unknown model
or version, a version already in that stage, or a bad stage name.`,
		Example: `  mlcd promote churn-xgb 3
  mlcd promote churn-xgb v3 --stage Staging --repo https://github.com/org/churn
  mlcd promote churn-xgb 3 --report-url https://org.github.io/churn/`,
		Args: badArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPromote(cmd.Context(), opts, po, args[0], args[1], opts.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&po.stage, "stage", string(registry.StageProduction), "the stage: None, Staging, Production or Archived")
	f.StringVar(&po.repo, "repo", ".", "the repository: a URL, a bare repository or a checkout (whose origin is used)")
	f.StringVar(&po.branch, "branch", "main", "the tracked branch the pull request goes into")
	f.StringVar(&po.author, "author", "", `the commit's author, "Name <email>" (default: the bot)`)
	f.StringVar(&po.reportURL, "report-url", "", "where the static report is published, for a link in the pull request")
	return cmd
}

func runPromote(ctx context.Context, opts *globalOptions, po *promoteOptions, model, version string, out io.Writer) error {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(version, "v"), "V"))
	if err != nil || n < 1 {
		return badInput(fmt.Errorf("version %q: want a number such as 3 or v3", version))
	}
	stage, err := registry.ParseStage(po.stage)
	if err != nil {
		return badInput(fmt.Errorf("--stage: %w", err))
	}
	author, err := parseAuthor(po.author)
	if err != nil {
		return badInput(err)
	}
	remote, err := gitstore.LocateRemote(po.repo)
	if err != nil {
		return badInput(fmt.Errorf("--repo: %w", err))
	}
	tmp, err := os.MkdirTemp("", "mlcd-promote-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// The clone in a temporary folder is a detail: only warnings, unless
	// --debug.
	log := newLogger(opts)
	if !opts.debug {
		log = slog.New(slog.NewTextHandler(opts.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	repo, err := gitstore.Open(ctx, filepath.Join(tmp, "repo.git"), gitstore.Options{URL: remote.URL, Branch: po.branch, Logger: log})
	if err != nil {
		return err
	}
	gh, why, err := forge.Connect(forge.SettingsFromEnv(os.Getenv), remote.URL, log)
	if err != nil {
		return err
	}
	res, err := promotion.Open(ctx, repo, gh, promotion.Request{
		Model: model, Version: n, Stage: stage, Author: author, ReportURL: po.reportURL,
	})
	if err != nil {
		err = fmt.Errorf("in %s (branch %s): %w", where(remote, repo), po.branch, err)
	}
	if errors.Is(err, promotion.ErrUnknown) || errors.Is(err, promotion.ErrSameStage) {
		return badInput(err)
	}
	if res == nil {
		return err
	}
	return errors.Join(err, printPromotion(out, res, repo, remote, why))
}

func printPromotion(out io.Writer, res *promotion.Result, repo *gitstore.Repo, remote gitstore.Remote, why string) error {
	var b strings.Builder
	if remote.Why != "" {
		fmt.Fprintf(&b, "repository: %s\n", remote.Why)
	}
	fmt.Fprintf(&b, "pushed %s at %.12s to %s\n", res.Branch, res.Commit, repo.URL())
	switch {
	case res.PR != nil && res.Created:
		fmt.Fprintf(&b, "opened pull request #%d: %s\n", res.PR.Number, res.PR.URL)
	case res.PR != nil:
		fmt.Fprintf(&b, "updated pull request #%d: %s\n", res.PR.Number, res.PR.URL)
	default:
		if why != "" {
			fmt.Fprintf(&b, "no pull request: %s\n", why)
		}
		fmt.Fprintf(&b, "%s: to apply it, merge the branch into %s and push:\n  git fetch origin && git checkout %s && %s && git push origin %s\n",
			res.Title, repo.Branch(), repo.Branch(), res.Merge, repo.Branch())
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// parseAuthor reads "Name <email>"; "" is the bot.
func parseAuthor(s string) (gitstore.Signature, error) {
	if s == "" {
		return gitstore.Signature{}, nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name == "" {
		return gitstore.Signature{}, fmt.Errorf("--author %q: want \"Name <email>\"", s)
	}
	return gitstore.Signature{Name: a.Name, Email: a.Address}, nil
}

// where names the repository a command looked in, without credentials.
func where(r gitstore.Remote, repo *gitstore.Repo) string {
	if r.Why != "" {
		return r.Why
	}
	return repo.URL()
}
