package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/controller"
	"github.com/mlcd-dev/mlcd/gitstore"
)

type statusOptions struct {
	controllerOptions
	json bool
}

func newStatusCommand(opts *globalOptions) *cobra.Command {
	so := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [--repo URL | --state DIR]",
		Short: "Show what the controller sees: last commit, queued and running runs, last runs, errors",
		Long: `Show what the controller following a repository sees, from its state
folder: --state, else the default state folder of --repo, else (inside a
checkout) of the checkout's origin, as mlcd watch --repo <that URL> keeps it.`,
		Example: `  mlcd status            # in a checkout: the controller that follows its origin
  mlcd status --repo https://github.com/acme/churn.git
  mlcd status --state /var/lib/mlcd/churn --json`,
		Args: badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), so, opts.stdout)
		},
	}
	so.addFlags(cmd)
	cmd.Flags().BoolVar(&so.json, "json", false, "print the status as JSON")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

func runStatus(_ context.Context, so *statusOptions, out io.Writer) error {
	state := so.state
	if state == "" {
		repo := so.repo
		if repo == "" {
			remote, err := gitstore.LocateRemote(".")
			if err != nil {
				return badInput(fmt.Errorf("give --repo or --state, or run it in a checkout: %w", err))
			}
			repo = remote.URL
		}
		var err error
		if state, err = controller.DefaultStateDir(repo, so.branch); err != nil {
			return err
		}
	}
	st, err := controller.ReadStatus(state)
	if err != nil {
		return err
	}
	if so.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printStatus(out, st)
	return nil
}

func printStatus(out io.Writer, st *controller.Status) {
	fmt.Fprintf(out, "repository  %s (%s), controller pid %d, updated %s\n", st.Repo, st.Branch, st.PID, ago(st.Updated))
	if st.Seen != nil {
		fmt.Fprintf(out, "last seen   %s, %s\n", shortCommit(st.Seen.Commit), ago(st.Seen.At))
	}
	if r := st.Running; r != nil {
		fmt.Fprintf(out, "running     %s at %s, since %s\n", r.ID, shortCommit(r.Commit), ago(r.Start))
	}
	if q := st.Queued; q != nil {
		fmt.Fprintf(out, "queued      %s (%s), since %s\n", shortCommit(q.Commit), q.Trigger.Kind, ago(q.Since))
	}
	names := make([]string, 0, len(st.LastRuns))
	for name := range st.LastRuns {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r := st.LastRuns[name]
		fmt.Fprintf(out, "last run    %s: %s %s at %s, %s\n", name, r.ID, r.Status, shortCommit(r.Commit), ago(r.End))
	}
	models := make([]string, 0, len(st.Desired))
	for m := range st.Desired {
		models = append(models, m)
	}
	sort.Strings(models)
	for _, m := range models {
		d := st.Desired[m]
		fmt.Fprintf(out, "desired     %s v%d (promoted at %s, %s)\n", m, d.Version, shortCommit(d.Commit), ago(d.Since))
	}
	for _, id := range st.Unpushed {
		fmt.Fprintf(out, "unpushed    %s\n", id)
	}
	for _, e := range st.Errors {
		fmt.Fprintf(out, "error       %s: %s\n", e.Time.Format(time.RFC3339), e.Message)
	}
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
