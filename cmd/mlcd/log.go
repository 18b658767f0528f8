package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/executor"
)

func newLogCommand(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Log a metric, param or tag of the current task (from inside a task)",
		Long: `Log a metric, param or tag of the task that runs this command. mlcd run gives
each task MLCD_LOG_FILE; these commands append to it, and mlcd reads it when
the task ends. Any language can call them; outside a task they fail.`,
		Example: `  mlcd log metric loss 0.31 --step 3
  mlcd log param n_estimators 200
  mlcd log tag dataset churn-2026-11`,
	}
	cmd.AddCommand(
		newLogKindCommand(executor.LogMetric, "Log a metric value (repeat with --step for its history)",
			`  mlcd log metric f1 0.87
  for epoch in 1 2 3; do mlcd log metric loss "$(train_epoch)" --step "$epoch"; done`),
		newLogKindCommand(executor.LogParam, "Log a param of this task (numbers and true/false are typed)",
			`  mlcd log param max_depth 8`),
		newLogKindCommand(executor.LogTag, "Log a tag of this task (a string)",
			`  mlcd log tag git_describe "$(git describe --always)"`),
	)
	return cmd
}

func newLogKindCommand(kind, short, example string) *cobra.Command {
	var step int64
	cmd := &cobra.Command{
		Use:     kind + " NAME VALUE",
		Short:   short,
		Example: example,
		Args:    badArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			e := executor.LogEntry{Kind: kind, Name: args[0], Value: args[1]}
			if cmd.Flags().Changed("step") {
				e.Step = &step
			}
			return runLog(e, os.Getenv(executor.EnvLogFile))
		},
	}
	if kind == executor.LogMetric {
		cmd.Flags().Int64Var(&step, "step", 0, "the step of this value (default: the step after the last one)")
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

var errNotInTask = errors.New("not inside an mlcd task: " + executor.EnvLogFile + " is not set (mlcd run sets it for each task)")

func runLog(e executor.LogEntry, logFile string) error {
	if logFile == "" {
		return badInput(fmt.Errorf("mlcd log %s: %w", e.Kind, errNotInTask))
	}
	if err := e.Check(); err != nil {
		return badInput(fmt.Errorf("mlcd log: %w", err))
	}
	return executor.AppendLog(logFile, e)
}
