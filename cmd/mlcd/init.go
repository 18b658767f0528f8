package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/cmd/mlcd/scaffold"
)

type initOptions struct {
	dir   string
	force bool
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

Existing files are never overwritten without --force; without it nothing is
written when one of these files exists. Exit status: 0 written, 3 files in
the way.`,
		Example: `  mlcd init
  mlcd init my-model && cd my-model && mlcd run
  mlcd init --force`,
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
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

// runInit writes the scaffold into o.dir and lists what it wrote.
func runInit(ctx context.Context, o *initOptions, out io.Writer) error {
	written, err := scaffold.Write(ctx, o.dir, o.force)
	if errors.Is(err, scaffold.ErrExists) {
		return badInput(err)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	for _, p := range written {
		if _, err := fmt.Fprintf(out, "wrote %s\n", p); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(out, "\nNext: cd %s && git init && mlcd validate && mlcd run\n", o.dir)
	return err
}
