package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/promotion"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

type checkOptions struct {
	base, head string
	repo       string
	store      string
	branch     string
	github     bool
	reportURL  string
}

func newCheckCommand(opts *globalOptions) *cobra.Command {
	co := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate a pull request's change to the model registry",
		Long: `check compares HEAD with its merge base with the target branch, as a pull
request changes it, and applies the registry rules: valid version files, no
new or deleted versions, only stage, aliases and description change, at most
one new Production version per model, and the artifact of a version moved to
Staging or Production is in the artifact store (the rule is skipped when
there is no store on this machine; check never creates one). It also applies
the merge gate's rules: no file under runs/ or deployments/ is added, edited
or deleted (only the mlcd bot writes them), and deploy.require and
deploy.approvals in mlcd.yaml are not loosened (with --github a loosening
passes once the pull request's head is approved as the gate in force asks).
` + store.Rule + `

Every problem is printed as FILE:LINE:COL: message. With --github it also sets
the commit status mlcd/check and keeps one comment on the pull request with
the comparison of each promoted version against Production (GITHUB_TOKEN,
GITHUB_REPOSITORY, GITHUB_REF or GITHUB_EVENT_PATH, GITHUB_API_URL, as GitHub
Actions sets them). Exit status: 0 fine, 3 a rule is broken.`,
		Example: `  mlcd check
  mlcd check --base origin/main --head HEAD
  mlcd check --github   # in a GitHub Actions pull_request job, fetch-depth: 0`,
		Args: badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd.Context(), opts, co, os.Getenv, opts.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&co.base, "base", "", "the target of the change; its merge base with --head is compared (default origin/<branch>)")
	f.StringVar(&co.head, "head", "HEAD", "the change")
	f.StringVar(&co.repo, "repo", ".", "the checkout")
	f.StringVar(&co.store, "store", "", "the artifact store (default: see above)")
	f.StringVar(&co.branch, "branch", "main", "the tracked branch, for the default --base")
	f.BoolVar(&co.github, "github", false, "also post a commit status and a pull request comment")
	f.StringVar(&co.reportURL, "report-url", "", "where the static report is published, for links in the comment")
	return cmd
}

func runCheck(ctx context.Context, opts *globalOptions, co *checkOptions, getenv func(string) string, out io.Writer) error {
	repo, err := gitstore.OpenWorkTree(ctx, co.repo, gitstore.Options{Branch: co.branch})
	if err != nil {
		return badInput(err)
	}
	defer repo.Close()
	base, head, err := checkRange(ctx, repo, co)
	if err != nil {
		return err
	}
	var storeErr error
	st, storeNote := checkStore(ctx, co.store, co.repo, getenv, &storeErr)
	c, err := gate.CheckPullRequest(ctx, repo, base, head, st)
	if err != nil {
		return err
	}
	if storeErr != nil {
		return fmt.Errorf("check artifacts: %w", storeErr)
	}
	var gh *forge.Client
	var ev forge.PullRequestEvent
	if co.github {
		var why string
		if gh, why, err = forge.Connect(forge.SettingsFromEnv(getenv), repo.URL(), newLogger(opts)); err != nil {
			return err
		}
		if gh == nil {
			return badInput(fmt.Errorf("--github: %s", why))
		}
		ev = forge.ActionsEvent(getenv)
	}
	if err := c.JudgeLoosening(ctx, approver(gh), ev); err != nil {
		return err
	}
	if err := printCheck(out, c, storeNote); err != nil {
		return err
	}
	if gh != nil {
		if err := postCheck(ctx, gh, c, ev, co.reportURL, out); err != nil {
			return err
		}
	}
	if n := len(c.Problems); n > 0 {
		return badInput(fmt.Errorf("check: %d %s in the change", n, plural(n, "problem", "problems")))
	}
	return nil
}

// checkRange is the merge base of --base (default origin/<branch>, else
// <branch>) with --head, and --head.
func checkRange(ctx context.Context, repo *gitstore.Repo, co *checkOptions) (base, head string, err error) {
	if head, err = repo.ResolveRef(ctx, co.head); err != nil {
		return "", "", badInput(fmt.Errorf("--head: %w", err))
	}
	target := co.base
	if target == "" {
		target = "origin/" + co.branch
		if _, err := repo.ResolveRef(ctx, target); err != nil {
			target = co.branch
		}
	}
	if base, err = repo.MergeBase(ctx, target, head); err != nil {
		return "", "", badInput(fmt.Errorf("base: %w (fetch the target branch, e.g. fetch-depth: 0 in GitHub Actions)", err))
	}
	return base, head, nil
}

// approver is gh as the gate asks it, nil without one.
func approver(gh *forge.Client) gate.Approver {
	if gh == nil {
		return nil
	}
	return gh
}

// checkStore opens the artifact store the other commands use when it
// exists here; otherwise the store rule is skipped and note says why. The
// first error of asking the store (a bucket out of reach) is kept in
// *failed, so that it fails the check rather than pass for a missing
// artifact.
func checkStore(ctx context.Context, flag, checkout string, getenv func(string) string, failed *error) (registry.Store, string) {
	st, err := existingStore(ctx, flag, checkoutRoot(checkout), getenv)
	if err != nil {
		return nil, fmt.Sprintf("%v: artifacts not checked", err)
	}
	return storeCheck{name: st.String(), has: func(sha string) bool {
		has, err := st.Has(ctx, sha)
		if err != nil && *failed == nil {
			*failed = err
		}
		return has
	}}, ""
}

// storeCheck is the registry.Store of checkStore; Root names the store in
// the problems (registry.Check asks for it).
type storeCheck struct {
	name string
	has  func(sha256 string) bool
}

func (s storeCheck) Has(sha256 string) bool { return s.has(sha256) }
func (s storeCheck) Root() string           { return s.name }

// checkoutRoot is the top folder of the checkout holding dir (dir itself
// when none is found).
func checkoutRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	if top, ok := gitstore.CheckoutOf(abs); ok {
		return top
	}
	return abs
}

func printCheck(out io.Writer, c *gate.PRCheck, storeNote string) error {
	var b strings.Builder
	for _, p := range c.Problems {
		b.WriteString(p.Error() + "\n")
	}
	for _, note := range []string{storeNote, c.GateNote} {
		if note != "" {
			b.WriteString("note: " + note + "\n")
		}
	}
	if len(c.Problems) == 0 {
		b.WriteString(c.Summary())
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// postCheck sets the commit status on the pull request's head (HEAD
// without an event payload; Actions checks out the merge ref) and keeps
// one comment on the pull request.
func postCheck(ctx context.Context, gh *forge.Client, c *gate.PRCheck, ev forge.PullRequestEvent, reportURL string, out io.Writer) error {
	sha := c.Head
	if ev.HeadSHA != "" {
		sha = ev.HeadSHA
	}
	state, err := promotion.ReportCheck(ctx, gh, c, sha, ev.Number, reportURL)
	if err != nil {
		return err
	}
	if ev.Number == 0 {
		_, err := fmt.Fprintln(out, "note: no pull request number (GITHUB_REF refs/pull/N/merge or GITHUB_EVENT_PATH): status set, no comment")
		return err
	}
	_, err = fmt.Fprintf(out, "posted status %s (%s) on %.12s and the check comment on #%d\n", gate.CheckContext, state, sha, ev.Number)
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
