package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// runOptions are the flags of `mlcd run`. The controller work adds its
// own (--once, --repo) here.
type runOptions struct {
	dir     string
	tasks   []string
	params  []string
	jobs    int
	noCache bool
	// --once --repo: one pass of the controller (run_once.go).
	once bool
	ctl  controllerOptions
}

func newRunCommand(opts *globalOptions) *cobra.Command {
	ro := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [DIR]",
		Short: "Run the pipeline of DIR/mlcd.yaml here and write its run record",
		Long: `Run the pipeline of DIR/mlcd.yaml (default: the current folder) on this machine.
Tasks run in parallel (--jobs), each in its own process group, with the task
protocol's environment (MLCD_OUT, MLCD_IN_<TASK>, MLCD_PARAMS, ...). A task
whose command, env, params, input files and upstream outputs are unchanged
since a successful run is a cache hit and does not run again.

The record goes to DIR/runs/<pipeline>/<yyyy-mm>/<run-id>.json, and each task
with a model that trained a new model file registers a version, stage None,
in DIR/models/<model>/v<N>.yaml, numbered as the controller numbers them. mlcd
commits nothing of a local run: it prints the git add and commit that record
it. Outputs and logs go to
the artifact store.
` + store.Rule + `

Exit status: 0 success, 1 a task failed, 3 invalid mlcd.yaml or flags,
130 cancelled (Ctrl-C).`,
		Example: `  mlcd run
  mlcd run examples/quickstart --jobs 4
  mlcd run --task train_rf --param n_estimators=300
  mlcd run --no-cache
  mlcd run --once --repo https://github.com/acme/churn.git`,
		Args: badArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ro.once || ro.ctl.repo != "" {
				return runOnce(cmd.Context(), opts, ro, args, opts.stdout)
			}
			ro.dir = "."
			if len(args) == 1 {
				ro.dir = args[0]
			}
			return runRun(cmd.Context(), opts, ro, opts.stdout)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&ro.tasks, "task", nil, "run only this task and what it needs (repeatable)")
	f.StringArrayVarP(&ro.params, "param", "p", nil, "override a param, KEY=VALUE (repeatable)")
	f.IntVarP(&ro.jobs, "jobs", "j", 0, "tasks running at once (default: the number of CPUs)")
	f.BoolVar(&ro.noCache, "no-cache", false, "run every task, even when its result is cached")
	f.BoolVar(&ro.once, "once", false, "with --repo: one pass of the controller (fetch, run if changed, record, push), for CI and cron")
	ro.ctl.addRepoFlags(cmd)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

// badArgs makes a positional-argument error a bad-input error (exit 3).
func badArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return badInput(err)
		}
		return nil
	}
}

func runRun(ctx context.Context, opts *globalOptions, ro *runOptions, out io.Writer) error {
	p, eo, err := prepareRun(ro)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(ro.dir)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, ro.ctl.store, dir, p)
	if err != nil {
		return err
	}
	eo.Dir, eo.Store, eo.Cache, eo.InputHashes = dir, st, true, inputHashes(st)
	eo.Git = gitInfo(ctx, dir)
	eo.Output, eo.Terminal = out, isTerminal(out)
	eo.Logger = newLogger(opts)
	eo.Env = selfOnPath()
	var r *pipeline.Run
	var runErr error
	if p.Executor.IsLocal() {
		r, runErr = executor.Run(ctx, p, eo)
	} else {
		r, runErr = runOnEngine(ctx, opts, ro, p, eo, dir, st, out)
	}
	if r == nil {
		return runErr
	}
	if err := pipeline.WriteRun(dir, r); err != nil {
		return errors.Join(runErr, err)
	}
	printSummary(out, dir, r)
	if err := registerLocal(out, dir, r); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	if r.Status != pipeline.StatusSuccess {
		return fmt.Errorf("run %s %s: %s", r.ID, r.Status, strings.Join(failedTasks(r), ", "))
	}
	return nil
}

// prepareRun loads the pipeline and turns the flags into executor options.
func prepareRun(ro *runOptions) (*pipeline.Pipeline, executor.Options, error) {
	var eo executor.Options
	if ro.jobs < 0 {
		return nil, eo, badInput(fmt.Errorf("--jobs %d: must be at least 1", ro.jobs))
	}
	p, err := pipeline.Load(ro.dir)
	if err != nil {
		return nil, eo, err
	}
	if len(ro.tasks) > 0 {
		if p, err = p.Subset(ro.tasks); err != nil {
			return nil, eo, badInput(err)
		}
	}
	eo.Params = pipeline.Params{}
	for _, kv := range ro.params {
		k, v, err := pipeline.ParseParam(kv)
		if err != nil {
			return nil, eo, badInput(err)
		}
		eo.Params[k] = v
	}
	eo.Jobs, eo.NoCache = ro.jobs, ro.noCache
	eo.Trigger = pipeline.Trigger{Kind: "manual"}
	return p, eo, nil
}

// gitInfo is the commit of dir when it is in a git work tree, else nil.
// Changes under runs/ and models/ do not make the tree dirty: mlcd writes
// them.
func gitInfo(ctx context.Context, dir string) *pipeline.GitInfo {
	h, ok := gitstore.WorkTreeHead(ctx, dir, pipeline.RunsDir, registry.Dir)
	if !ok {
		return nil
	}
	return &pipeline.GitInfo{Commit: h.Commit, Branch: h.Branch, Dirty: h.Dirty}
}

// selfOnPath puts the folder of this mlcd binary first on the tasks' PATH,
// so that a task can call `mlcd log` even when mlcd is not installed.
func selfOnPath() []string {
	exe, err := os.Executable()
	if err != nil || filepath.Base(exe) != "mlcd" {
		return nil
	}
	return []string{"PATH=" + filepath.Dir(exe) + string(os.PathListSeparator) + os.Getenv("PATH")}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func failedTasks(r *pipeline.Run) []string {
	var names []string
	for _, t := range r.Tasks {
		if t.Status != pipeline.StatusSuccess && t.Status != pipeline.StatusSkipped {
			names = append(names, t.Name+" "+string(t.Status))
		}
	}
	return names
}
