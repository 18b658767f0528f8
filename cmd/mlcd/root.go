package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// globalOptions are the flags and streams every command shares.
type globalOptions struct {
	stdout io.Writer
	stderr io.Writer
	debug  bool
}

func newRootCommand(opts *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "mlcd",
		Short: "Continuous delivery for machine learning, driven by a Git repository",
		Long: `mlcd runs the training pipeline that a repository's mlcd.yaml defines, records
every run and model version as files in that repository, renders a static
report, and deploys the version that a merged pull request promotes to
Production behind an endpoint that speaks the 'mlflow models serve' protocol.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetOut(opts.stdout)
	root.SetErr(opts.stderr)
	root.SetVersionTemplate("mlcd {{.Version}}\n")
	root.PersistentFlags().BoolVar(&opts.debug, "debug", false, "log debug messages")
	root.AddCommand(
		newVersionCommand(opts),
		newRunCommand(opts),
		newLogCommand(opts),
		newReportCommand(opts),
		newValidateCommand(opts),
		newWatchCommand(opts),
		newStatusCommand(opts),
		newCheckCommand(opts), newPromoteCommand(opts),
		newInitCommand(opts),
		newServeCommand(opts), newDeployCommand(opts),
		newTaskCommand(opts),
		newExportCommand(opts),
	)
	return root
}

func newVersionCommand(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of mlcd",
		Example: "  mlcd version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(opts.stdout, "mlcd %s\n", version)
			return err
		},
	}
}
