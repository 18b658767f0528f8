package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/pipeline"
)

func newValidateCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Check DIR/mlcd.yaml and print every problem with its line",
		Long: `Check DIR/mlcd.yaml (default: the current folder) without running anything:
the syntax, every key and value, the needs between tasks (unknown tasks,
cycles), cron schedules, time zones, durations, globs and model settings.

Every problem is printed on its own line as FILE:LINE:COL: message, all at
once. Exit status: 0 valid, 3 problems found or no mlcd.yaml.`,
		Example: `  mlcd validate
  mlcd validate examples/churn`,
		Args: badArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runValidate(cmd.Context(), dir, opts.stdout)
		},
	}
}

// runValidate prints the problems of dir/mlcd.yaml, one a line, or a short
// summary when there are none.
func runValidate(_ context.Context, dir string, out io.Writer) error {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	}
	p, err := pipeline.Load(dir)
	if err == nil {
		_, err := fmt.Fprintf(out, "%s: ok: pipeline %s, %d %s\n", filepath.Join(dir, pipeline.FileName), p.Name, len(p.Tasks), plural(len(p.Tasks), "task", "tasks"))
		return err
	}
	problems := diag.Problems(err)
	if len(problems) == 0 {
		return err // not the file's fault: it could not be read
	}
	for _, pr := range problems {
		if _, werr := fmt.Fprintln(out, pr); werr != nil {
			return werr
		}
	}
	file := problems[0].File
	if errors.Is(err, fs.ErrNotExist) {
		return badInput(fmt.Errorf("%s: not found", file))
	}
	return badInput(fmt.Errorf("%s: %d %s", file, len(problems), plural(len(problems), "problem", "problems")))
}
