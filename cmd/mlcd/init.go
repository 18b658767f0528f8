package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/cmd/mlcd/scaffold"
	"github.com/mlcd-dev/mlcd/ghactions"
	"github.com/mlcd-dev/mlcd/pipeline"
)

type initOptions struct {
	dir   string
	force bool
	// actionsJobs also writes the workflow of `mlcd export github` (a job
	// per task, sharing an object store), which then runs the pipeline in
	// place of the one-pass workflow's run job.
	actionsJobs bool
}

func newInitCommand(opts *globalOptions) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a new ML repository's starting files into DIR",
		Long: `Write the starting files of an ML repository into DIR (default: the current
folder, created when missing):

  mlcd.yaml                   a commented pipeline: prepare -> train, whose
                              model mlcd serves itself (flavor: sklearn)
  src/prepare.py, train.py    a sample pipeline in Python: a scikit-learn
                              linear model (python3-sklearn, python3-pandas)
  .gitignore
  .github/workflows/mlcd.yml  train on push, report to GitHub Pages, check
                              promotion pull requests, deploy merged ones

With --actions-jobs the pipeline runs each task as a job of its own, in
.github/workflows/mlcd-tasks.yml (what ` + "`mlcd export github`" + ` writes): the
jobs share an object store that the repository variable MLCD_STORE names.
mlcd.yml then renders the report when that workflow ends, and still checks
promotions and deploys merged ones.

Existing files are never overwritten without --force; without it nothing is
written when one of these files exists. Exit status: 0 written, 3 files in
the way.`,
		Example: `  mlcd init
  mlcd init my-model && cd my-model && mlcd run
  mlcd init --force
  mlcd init --actions-jobs my-model`,
		Args: badArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = "."
			if len(args) == 1 {
				o.dir = args[0]
			}
			return runInit(cmd.Context(), o, opts.stdout)
		},
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "overwrite files that exist")
	cmd.Flags().BoolVar(&o.actionsJobs, "actions-jobs", false, "write a workflow with one job per task, sharing an object store")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

// runInit writes the scaffold into o.dir and lists what it wrote.
func runInit(ctx context.Context, o *initOptions, out io.Writer) error {
	tasksFile := filepath.Join(o.dir, filepath.FromSlash(ghactions.File))
	if o.actionsJobs && !o.force {
		if _, err := os.Stat(tasksFile); err == nil {
			return badInput(fmt.Errorf("%w: %s (use --force to overwrite)", scaffold.ErrExists, ghactions.File))
		}
	}
	written, err := scaffold.Write(ctx, o.dir, o.force)
	if errors.Is(err, scaffold.ErrExists) {
		return badInput(err)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if o.actionsJobs {
		data, err := tasksWorkflow(o.dir)
		if err == nil {
			err = ghactions.WriteFile(tasksFile, data)
		}
		if err != nil {
			return fmt.Errorf("init: %w", err)
		}
		written = append(written, ghactions.File)
	}
	for _, p := range written {
		if _, err := fmt.Fprintf(out, "wrote %s\n", p); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(out, "\nNext: cd %s && git init && mlcd validate && mlcd run\n", o.dir)
	return err
}

// scaffoldPackages installs what the scaffold's tasks need on GitHub's
// runners, as its one-pass workflow does.
const scaffoldPackages = "sudo apt-get update -q && sudo apt-get install -yq python3-sklearn python3-pandas"

// tasksWorkflow is the per-task workflow `mlcd export github` writes for
// the pipeline in dir, and the command that writes it again.
func tasksWorkflow(dir string) ([]byte, error) {
	p, err := pipeline.Load(dir)
	if err != nil {
		return nil, err
	}
	return ghactions.Workflow(p, ghactions.Options{
		Setup:   []string{scaffoldPackages},
		Command: "mlcd export github --out " + ghactions.File + " --setup '" + scaffoldPackages + "'",
	})
}
