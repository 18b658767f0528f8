package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gate"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/promotion"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// checkContext is the commit status `mlcd check --github` sets; the merge
// gate reads it.
const checkContext = "mlcd/check"

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

// checked is what check found, for printing and for GitHub.
type checked struct {
	repo             *gitstore.Repo
	base, head       string
	baseReg, headReg *registry.Registry
	problems         []*pipeline.Error
	changes          []registry.Change
	note             string // why a rule was skipped
	policy           *pipeline.Promote
	loosening        *gate.Loosening // mlcd.yaml loosens the merge gate
	gateNote         string          // why a loosening passes
}

func runCheck(ctx context.Context, opts *globalOptions, co *checkOptions, getenv func(string) string, out io.Writer) error {
	c, err := checkRegistry(ctx, co, getenv)
	if err != nil {
		return err
	}
	defer c.repo.Close()
	var pr *checkPR
	if co.github {
		if pr, err = openCheckPR(opts, c, getenv); err != nil {
			return err
		}
	}
	if err := judgeLoosening(ctx, c, pr); err != nil {
		return err
	}
	if err := printCheck(out, c); err != nil {
		return err
	}
	if pr != nil {
		if err := postCheck(ctx, co, c, pr, out); err != nil {
			return err
		}
	}
	if n := len(c.problems); n > 0 {
		return badInput(fmt.Errorf("check: %d %s in the change", n, plural(n, "problem", "problems")))
	}
	return nil
}

func checkRegistry(ctx context.Context, co *checkOptions, getenv func(string) string) (_ *checked, err error) {
	repo, err := gitstore.OpenWorkTree(ctx, co.repo, gitstore.Options{Branch: co.branch})
	if err != nil {
		return nil, badInput(err)
	}
	c := &checked{repo: repo}
	defer func() {
		if err != nil {
			repo.Close()
		}
	}()
	if c.head, err = repo.ResolveRef(ctx, co.head); err != nil {
		return nil, badInput(fmt.Errorf("--head: %w", err))
	}
	target := co.base
	if target == "" {
		target = "origin/" + co.branch
		if _, err := repo.ResolveRef(ctx, target); err != nil {
			target = co.branch
		}
	}
	if c.base, err = repo.MergeBase(ctx, target, c.head); err != nil {
		return nil, badInput(fmt.Errorf("base: %w (fetch the target branch, e.g. fetch-depth: 0 in GitHub Actions)", err))
	}
	trees, err := repo.Snapshots(ctx, c.base, c.head)
	if err != nil {
		return nil, err
	}
	baseFS, headFS := trees[0], trees[1]
	st, note := checkStore(co.store, co.repo, getenv)
	c.note = note
	paths, err := repo.ChangedPaths(ctx, c.base, c.head)
	if err != nil {
		return nil, err
	}
	var loader registry.Loader // one parse of each file for the check and the diff
	c.problems = loader.Check(baseFS, headFS, st)
	change := gate.PRChange{Base: baseFS, Head: headFS, Paths: paths}
	c.addProblems(gate.CheckJournals(change)...)
	c.loosening = gate.CheckPolicy(change)
	c.baseReg, _ = loader.Load(baseFS)
	c.headReg, _ = loader.Load(headFS)
	if c.baseReg != nil && c.headReg != nil {
		c.changes = registry.Diff(c.baseReg, c.headReg)
	}
	c.policy = pipeline.PromoteOf(headFS)
	return c, nil
}

// checkStore opens the artifact store the other commands use when it
// exists here; otherwise the store rule is skipped and note says why.
func checkStore(flag, checkout string, getenv func(string) string) (registry.Store, string) {
	st, err := existingStore(flag, checkoutRoot(checkout), getenv)
	if err != nil {
		return nil, fmt.Sprintf("%v: artifacts not checked", err)
	}
	return st, ""
}

// checkoutRoot is the top folder of the checkout holding dir (dir itself
// when none is found).
func checkoutRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return abs
		}
	}
}

func printCheck(out io.Writer, c *checked) error {
	var b strings.Builder
	for _, p := range c.problems {
		b.WriteString(p.Error() + "\n")
	}
	for _, note := range []string{c.note, c.gateNote} {
		if note != "" {
			b.WriteString("note: " + note + "\n")
		}
	}
	if len(c.problems) == 0 {
		b.WriteString(summary(c))
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// summary lists the stage changes of the registry between base and head.
func summary(c *checked) string {
	var b strings.Builder
	n := 0
	for _, ch := range c.changes {
		if ch.StageChanged() {
			fmt.Fprintf(&b, "  %s v%d: %s -> %s\n", ch.Model, ch.Version, ch.FromStage, ch.ToStage)
			n++
		}
	}
	head := fmt.Sprintf("ok: registry change %.12s..%.12s: %d stage %s\n", c.base, c.head, n, plural(n, "change", "changes"))
	return head + b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// postCheck sets the commit status on the pull request's head and keeps
// one comment on the pull request.
func postCheck(ctx context.Context, co *checkOptions, c *checked, pr *checkPR, out io.Writer) error {
	gh, ev, sha := pr.gh, pr.event, pr.sha
	state, desc := forge.StateSuccess, strings.TrimPrefix(firstLine(summary(c)), "ok: ")
	if n := len(c.problems); n > 0 {
		state = forge.StateFailure
		desc = fmt.Sprintf("%d %s: %s", n, plural(n, "problem", "problems"), c.problems[0].Error())
	}
	if err := gh.SetStatus(ctx, sha, state, checkContext, desc, ""); err != nil {
		return err
	}
	if ev.number == 0 {
		_, err := fmt.Fprintln(out, "note: no pull request number (GITHUB_REF refs/pull/N/merge or GITHUB_EVENT_PATH): status set, no comment")
		return err
	}
	if err := gh.UpsertComment(ctx, ev.number, "check", commentBody(c, co.reportURL)); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out, "posted status %s (%s) on %.12s and the check comment on #%d\n", checkContext, state, sha, ev.number)
	return err
}

// commentBody is the check's pull request comment: the problems, or the
// comparison of each version moved to Production with the current one.
func commentBody(c *checked, reportURL string) string {
	var b strings.Builder
	if len(c.problems) > 0 {
		b.WriteString("### mlcd check: the change is refused\n\n")
		for _, p := range c.problems {
			b.WriteString("- `" + strings.ReplaceAll(p.Error(), "`", "'") + "`\n")
		}
		return b.String()
	}
	b.WriteString("### mlcd check: ok\n\n```\n" + summary(c) + "```\n")
	if c.gateNote != "" {
		b.WriteString("\n" + strings.ReplaceAll(c.gateNote, "`", "'") + "\n")
	}
	for _, ch := range c.changes {
		if !ch.StageChanged() || ch.ToStage != registry.StageProduction {
			continue
		}
		v := c.headReg.Version(ch.Model, ch.Version)
		if v == nil {
			continue
		}
		before := c.baseReg.Version(ch.Model, ch.Version)
		if before == nil {
			before = v
		}
		b.WriteString("\n---\n\n" + promotion.Body(before, c.baseReg.Production(ch.Model), ch.ToStage, c.policy, reportURL))
	}
	return b.String()
}

// prEvent is what check needs of the GitHub Actions event.
type prEvent struct {
	number  int
	headSHA string
}

var pullRef = regexp.MustCompile(`^refs/pull/([0-9]+)/(merge|head)$`)

// readEvent finds the pull request number in GITHUB_REF or the event
// payload at GITHUB_EVENT_PATH, and its head commit in the payload.
func readEvent(getenv func(string) string) prEvent {
	payload, _ := os.ReadFile(getenv("GITHUB_EVENT_PATH"))
	return parseEvent(getenv("GITHUB_REF"), payload)
}

// parseEvent reads a ref (refs/pull/N/merge) and an event payload, either
// of which may be empty or wrong: what cannot be read stays zero.
func parseEvent(ref string, data []byte) prEvent {
	var ev prEvent
	if m := pullRef.FindStringSubmatch(ref); m != nil {
		ev.number, _ = strconv.Atoi(m[1])
	}
	var payload struct {
		Number      int `json:"number"`
		PullRequest struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if len(data) == 0 || json.Unmarshal(data, &payload) != nil {
		return ev
	}
	if ev.number <= 0 {
		ev.number = max(payload.PullRequest.Number, payload.Number, 0)
	}
	if sha := payload.PullRequest.Head.SHA; len(sha) == 40 && strings.Trim(sha, "0123456789abcdef") == "" {
		ev.headSHA = sha
	}
	return ev
}
