package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/ghactions"
	"github.com/mlcd-dev/mlcd/pipeline"
)

type exportOptions struct {
	repo   string
	out    string
	groups []string
	branch string
	setup  []string
}

func newExportCommand(opts *globalOptions) *cobra.Command {
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the pipeline for another engine to run",
		Args:  badArgs(cobra.NoArgs),
	}
	export.AddCommand(newExportGitHubCommand(opts))
	return export
}

func newExportGitHubCommand(opts *globalOptions) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "github",
		Short: "Write a GitHub Actions workflow that runs each task as a job of its own",
		Long: `Write a GitHub Actions workflow that runs the pipeline of --repo's mlcd.yaml
with one job per task: a plan job starts the run, each task's job needs the
jobs of the tasks it needs and runs on the runner of its runs_on: (default
ubuntu-latest) with ` + "`mlcd task exec`" + `, and a record job records the run,
registers its models and pushes them, also when tasks failed.

The jobs share nothing but the object store that the repository variable
(or secret) MLCD_STORE names, such as s3://bucket/prefix?region=eu-west-1,
with the secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.

--group NAME=TASK,TASK runs those tasks one after the other in one job.
Without --out the workflow goes to standard output. Exit status: 0 written,
3 a problem with mlcd.yaml or the flags.`,
		Example: `  mlcd export github --out .github/workflows/mlcd-tasks.yml
  mlcd export github --group small=prepare,features --setup "pip install -r requirements.txt"`,
		Args: badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExportGitHub(cmd.Context(), o, opts.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.repo, "repo", ".", "the repository whose mlcd.yaml to read")
	f.StringVar(&o.out, "out", "", "the workflow file to write (default: standard output)")
	f.StringArrayVar(&o.groups, "group", nil, "NAME=TASK,TASK: run these tasks in one job (repeatable)")
	f.StringVar(&o.branch, "branch", "main", "the branch whose pushes start a run")
	f.StringArrayVar(&o.setup, "setup", nil, "a command each task's job runs first, to install what the tasks need (repeatable)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

// runExportGitHub writes the workflow of o.repo's pipeline.
func runExportGitHub(_ context.Context, o *exportOptions, out io.Writer) error {
	p, err := pipeline.Load(o.repo)
	if err != nil {
		return err
	}
	gopts := ghactions.Options{Branch: o.branch, Setup: o.setup, Command: o.command()}
	for _, s := range o.groups {
		g, err := ghactions.ParseGroup(s)
		if err != nil {
			return badInput(fmt.Errorf("--group: %w", err))
		}
		gopts.Groups = append(gopts.Groups, g)
	}
	data, err := ghactions.Workflow(p, gopts)
	if errors.Is(err, ghactions.ErrJobs) || errors.Is(err, ghactions.ErrSetup) {
		return badInput(err)
	}
	if err != nil {
		return fmt.Errorf("export github: %w", err)
	}
	if o.out == "" || o.out == "-" {
		_, err := out.Write(data)
		return err
	}
	if err := ghactions.WriteFile(o.out, data); err != nil {
		return fmt.Errorf("export github: %w", err)
	}
	_, err = fmt.Fprintf(out, "wrote %s\nSet the repository variable MLCD_STORE (an object store every runner reaches) and its secrets: see docs/github-actions.md\n", o.out)
	return err
}

// command is the command line that writes the same file again, for its
// header.
func (o *exportOptions) command() string {
	args := []string{"mlcd", "export", "github"}
	if o.repo != "." {
		args = append(args, "--repo", o.repo)
	}
	if o.out != "" {
		args = append(args, "--out", o.out)
	}
	if o.branch != "main" {
		args = append(args, "--branch", o.branch)
	}
	for _, g := range o.groups {
		args = append(args, "--group", g)
	}
	for _, s := range o.setup {
		args = append(args, "--setup", s)
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}
