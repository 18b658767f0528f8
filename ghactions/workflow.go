package ghactions

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/internal/yamltree"
	"github.com/mlcd-dev/mlcd/layout"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// Options shape the workflow beyond what mlcd.yaml says.
type Options struct {
	// Groups are tasks that share a job; every other task has its own.
	Groups []Group
	// Branch is the branch whose pushes start a run; "" is "main".
	Branch string
	// Setup are shell commands that each task's job runs before its
	// tasks: the software the tasks need (pip install -r requirements.txt).
	Setup []string
	// Command is how the file was made, for its header, so that it can be
	// made again; "" leaves the line out.
	Command string
}

// The steps and settings every job of the workflow shares. The harness
// that plays the workflow in mlcd's tests recognises them.
const (
	CheckoutAction = "actions/checkout@v4"
	SetupGoAction  = "actions/setup-go@v5"
	// InstallMLCD is the run: of the step that installs mlcd.
	InstallMLCD = `go install "github.com/mlcd-dev/mlcd/cmd/mlcd@${MLCD_VERSION}"`
	// RunVar is the variable that holds the run's id in the tasks' jobs.
	RunVar = "MLCD_RUN"
	// Name is the workflow's name, which the workflow `mlcd init` writes
	// waits for (workflow_run) to render the report.
	Name = "mlcd tasks"
	// File is where `mlcd init --actions-jobs` writes the workflow, and
	// where the workflow `mlcd init` writes looks for it.
	File = ".github/workflows/mlcd-tasks.yml"
)

// storeEnv are the variables of the mlcd steps, which reach the object
// store: an S3 store's credentials, from the repository's secrets.
var storeEnv = [][2]string{
	{"AWS_ACCESS_KEY_ID", "${{ secrets.AWS_ACCESS_KEY_ID }}"},
	{"AWS_SECRET_ACCESS_KEY", "${{ secrets.AWS_SECRET_ACCESS_KEY }}"},
}

// ErrSetup is wrapped by the error of a setup command that cannot be a
// line of the workflow.
var ErrSetup = errors.New("bad setup command")

// Workflow writes the workflow that runs p's tasks as jobs. The output
// depends only on p and o.
func Workflow(p *pipeline.Pipeline, o Options) ([]byte, error) {
	if o.Branch == "" {
		o.Branch = "main"
	}
	for _, s := range o.Setup {
		if strings.TrimSpace(s) == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 {
			return nil, fmt.Errorf("%w %q: one command on one line", ErrSetup, s)
		}
	}
	jobs, err := planJobs(p, o.Groups)
	if err != nil {
		return nil, err
	}
	w := &out{}
	header(w, p, o)
	w.line(0, "jobs:")
	planJobYAML(w, p)
	for _, j := range jobs {
		w.blank()
		taskJobYAML(w, j, o.Setup)
	}
	w.blank()
	recordJobYAML(w, p, jobs)
	return []byte(w.b.String()), nil
}

// header writes what comes before the jobs: the triggers, the permissions,
// the concurrency group and the variables every job shares.
func header(w *out, p *pipeline.Pipeline, o Options) {
	w.line(0, "# Written by `mlcd export github` from %s (pipeline %s): each task runs", pipeline.FileName, p.Name)
	w.line(0, "# in a job of its own, and the jobs share nothing but the object store.")
	if o.Command != "" {
		w.line(0, "# Write it again after changing the tasks: %s", o.Command)
	}
	w.line(0, "# Guide: https://github.com/mlcd-dev/mlcd/blob/main/docs/github-actions.md")
	w.line(0, "name: %s", scalar(Name))
	w.blank()
	w.line(0, "on:")
	w.line(1, "push:")
	w.line(2, "branches: %s", flow([]string{o.Branch}))
	pushPaths(w, p.OnPaths)
	schedule(w, p)
	w.line(1, "workflow_dispatch:")
	w.blank()
	w.line(0, "# Nothing by default; each job asks for what it needs.")
	w.line(0, "permissions: {}")
	w.blank()
	w.line(0, "# One run at a time per branch, and a running one is never cancelled, so")
	w.line(0, "# that a record is never half pushed; a newer push waits.")
	w.line(0, "concurrency:")
	w.line(1, "group: mlcd-tasks-${{ github.ref }}")
	w.line(1, "cancel-in-progress: false")
	w.blank()
	w.line(0, "env:")
	w.line(1, "MLCD_VERSION: latest # pin a release for repeatable pipelines, e.g. v0.3.0")
	w.line(1, "# The object store that every job reads and writes, the only thing they")
	w.line(1, "# share: a repository variable (or secret) such as")
	w.line(1, "# s3://my-bucket/mlcd?region=eu-west-1. Its credentials are the secrets")
	w.line(1, "# in the mlcd steps' env.")
	w.line(1, "MLCD_STORE: ${{ vars.MLCD_STORE || secrets.MLCD_STORE }}")
	w.blank()
}

// pushPaths: a push starts a run when it changes on.paths, never when it
// only changes the files mlcd commits.
func pushPaths(w *out, onPaths []string) {
	var bot []string
	for _, root := range layout.BotRoots {
		bot = append(bot, root+"/**")
	}
	if len(onPaths) == 0 {
		w.line(2, "paths-ignore: %s", quotedFlow(bot))
		return
	}
	paths := make([]string, 0, len(onPaths)+len(bot))
	for _, g := range onPaths {
		paths = append(paths, filterGlob(g))
	}
	for _, b := range bot {
		paths = append(paths, "!"+b)
	}
	w.line(2, "paths: %s # on.paths of %s", quotedFlow(paths), pipeline.FileName)
}

// filterGlob is an mlcd glob as a GitHub path filter: the same pattern,
// with the characters that mean more there ('+', a leading '!') escaped.
func filterGlob(g string) string {
	g = strings.ReplaceAll(g, "+", `\+`)
	if strings.HasPrefix(g, "!") {
		g = `\` + g
	}
	return g
}

func quotedFlow(items []string) string {
	qs := make([]string, len(items))
	for i, s := range items {
		qs[i] = yamltree.Quote(s)
	}
	return "[" + strings.Join(qs, ", ") + "]"
}

// schedule carries mlcd.yaml's schedule when GitHub's cron can say it:
// five fields, in UTC.
func schedule(w *out, p *pipeline.Pipeline) {
	if p.Schedule == "" {
		return
	}
	utc := p.Timezone == "" || p.Timezone == "UTC" || p.Timezone == "Etc/UTC"
	if !utc || strings.HasPrefix(p.Schedule, "@") || len(strings.Fields(p.Schedule)) != 5 {
		w.line(1, "# schedule: %s's %q (%s) is not a five-field cron in UTC, which is all", pipeline.FileName, p.Schedule, orUTC(p.Timezone))
		w.line(1, "# GitHub's schedule reads: add one here yourself.")
		return
	}
	w.line(1, "schedule:")
	w.line(2, "- cron: %s # schedule: of %s", yamltree.Quote(p.Schedule), pipeline.FileName)
}

func orUTC(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}

// WriteFile writes a workflow to path, creating its folder: atomically, so
// that a workflow is never half written.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write workflow: %w", err)
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write workflow: %w", err)
	}
	return nil
}
