package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/executor"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

// taskOptions are the flags of `mlcd task plan|exec|collect`.
type taskOptions struct {
	repo    string
	store   string
	params  []string
	trigger string
	run     string
	task    string
	jobID   string
	push    bool
}

func newTaskCommand(opts *globalOptions) *cobra.Command {
	to := &taskOptions{}
	cmd := &cobra.Command{
		Use:   "task",
		Short: "Run a pipeline's tasks on other machines: plan a run, run one task, collect the record",
		Long: `The three steps of a run whose tasks run on an engine (Slurm, GitHub Actions
jobs, ...), sharing nothing but the artifact store (docs/scale-out.md):

  mlcd task plan                            writes the run's plan, prints its id
  mlcd task exec --run ID --task NAME       runs one task anywhere, writes its result
  mlcd task collect --run ID [--push]       assembles, records and registers the run

Each works in a clone of the repository (--repo, default the current folder)
against the same store (--store, $MLCD_STORE or store: in mlcd.yaml).
` + store.Rule,
	}
	cmd.PersistentFlags().StringVar(&to.repo, "repo", ".", "the checkout of the repository")
	cmd.PersistentFlags().StringVar(&to.store, "store", "", "the artifact store (default: $MLCD_STORE, else store: in mlcd.yaml, else ~/.local/share/mlcd/store)")
	cmd.AddCommand(newTaskPlanCommand(opts, to), newTaskExecCommand(opts, to), newTaskCollectCommand(opts, to))
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

func newTaskPlanCommand(opts *globalOptions, to *taskOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Make a new run of the checkout's commit and print its id",
		Long: `Write the plan of a new run of the commit the checkout stands at (its params,
trigger and tasks) to the store as runs/<run-id>/plan.json, and print the run
id, alone, on stdout. The working tree must be clean: other machines run the
commit, not the folder.

Exit status: 0 planned, 1 error, 3 invalid mlcd.yaml or flags.`,
		Example: `  run=$(mlcd task plan --store s3://ml/store --param n_estimators=300)`,
		Args:    badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTaskPlan(cmd.Context(), to, opts.stdout)
		},
	}
	cmd.Flags().StringArrayVarP(&to.params, "param", "p", nil, "override a param, KEY=VALUE (repeatable)")
	cmd.Flags().StringVar(&to.trigger, "trigger", "manual", "what started the run, for the record (manual, push, schedule, ...)")
	return cmd
}

func newTaskExecCommand(opts *globalOptions, to *taskOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec --run RUN-ID --task NAME",
		Short: "Run one task of a planned run and put its result in the store",
		Long: `Run one task of a run made by 'mlcd task plan', in the checkout: check out the
plan's commit when HEAD is another one (the working tree must be clean),
restore the outputs of the task's upstreams from the store, run the task with
the task protocol, retries, timeout and cache of a local run, and write its
result to the store as runs/<run-id>/tasks/<task>.json — also when it fails.
An upstream whose result is missing or failed counts as failed: the task's
trigger rule then decides, and the result says upstream_failed or skipped.

Exit status: 0 the task succeeded (or was a cache hit), 1 it did not run or
failed, 3 bad flags or mlcd.yaml, 130 cancelled.`,
		Args: badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTaskExec(cmd.Context(), opts, to, opts.stdout)
		},
	}
	cmd.Flags().StringVar(&to.run, "run", "", "the run id that 'mlcd task plan' printed")
	cmd.Flags().StringVar(&to.task, "task", "", "the task to run")
	cmd.Flags().StringVar(&to.jobID, "job-id", "", "the engine's id of this job, for the record (default: $MLCD_JOB_ID, else $SLURM_JOB_ID)")
	return cmd
}

func newTaskCollectCommand(opts *globalOptions, to *taskOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "collect --run RUN-ID",
		Short: "Assemble a planned run's record from its tasks' results, record and register it",
		Long: `Read the plan and every task's result from the store, check each result (its
run, task and commit; its outputs are in the store) and assemble the run
record. A task without a valid result is recorded as failed, with the reason.
Then record and register the run as 'mlcd run' does, in the checkout; with
--push, commit the record and the new versions as mlcd's bot and push them to
the checkout's origin, as the controller does.

Exit status: 0 the run succeeded, 1 it failed or could not be recorded,
3 bad flags.`,
		Args: badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTaskCollect(cmd.Context(), opts, to, opts.stdout)
		},
	}
	cmd.Flags().StringVar(&to.run, "run", "", "the run id that 'mlcd task plan' printed")
	cmd.Flags().BoolVar(&to.push, "push", false, "commit the record and versions as the bot and push them")
	return cmd
}

func runTaskPlan(ctx context.Context, to *taskOptions, out io.Writer) error {
	dir, err := filepath.Abs(to.repo)
	if err != nil {
		return err
	}
	p, spec, err := loadSpec(dir)
	if err != nil {
		return err
	}
	overrides := pipeline.Params{}
	for _, kv := range to.params {
		k, v, err := pipeline.ParseParam(kv)
		if err != nil {
			return badInput(err)
		}
		overrides[k] = v
	}
	h, ok := gitstore.WorkTreeHead(ctx, dir, pipeline.RunsDir, registry.Dir)
	switch {
	case !ok:
		return badInput(fmt.Errorf("%s is not a git checkout with a commit: tasks on other machines run a commit", dir))
	case h.Dirty:
		return badInput(fmt.Errorf("%s has uncommitted changes: tasks on other machines would run commit %.12s without them; commit first", dir, h.Commit))
	}
	st, err := openStore(ctx, to.store, dir, p)
	if err != nil {
		return err
	}
	pl := engine.NewPlan(p, spec, h.Commit, h.Branch, pipeline.Trigger{Kind: to.trigger}, overrides)
	if err := engine.WritePlan(ctx, st, pl); err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, pl.RunID)
	return err
}

// loadSpec loads dir's pipeline and the bytes of its mlcd.yaml.
func loadSpec(dir string) (*pipeline.Pipeline, []byte, error) {
	p, err := pipeline.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	spec, err := os.ReadFile(filepath.Join(dir, pipeline.FileName))
	if err != nil {
		return nil, nil, err
	}
	return p, spec, nil
}

func runTaskExec(ctx context.Context, opts *globalOptions, to *taskOptions, out io.Writer) error {
	if to.run == "" || to.task == "" {
		return badInput(errors.New("give the run and the task: --run RUN-ID --task NAME"))
	}
	dir, st, pl, err := openPlan(ctx, to)
	if err != nil {
		return err
	}
	if err := gitstore.SwitchWorkTree(ctx, dir, pl.Commit, pipeline.RunsDir, registry.Dir); err != nil {
		return err
	}
	p, spec, err := loadSpec(dir)
	if err != nil {
		return err
	}
	eo := executor.Options{Dir: dir, Cache: true, InputHashes: inputHashes(st), Output: out, Logger: newLogger(opts), Env: selfOnPath()}
	rec, err := engine.Exec(ctx, st, engine.Task{Plan: pl, Name: to.task, Pipeline: p, Spec: spec, JobID: jobID(to.jobID)}, eo)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mlcd: run %s task %s: %s%s\n", pl.RunID, rec.Name, rec.Status, cachedNote(rec))
	if rec.Status != pipeline.StatusSuccess {
		msg := rec.Error
		if msg == "" {
			msg = "its trigger rule said no"
		}
		return fmt.Errorf("task %s %s: %s", rec.Name, rec.Status, msg)
	}
	return nil
}

// jobID is the engine's job id: the flag, else what the engine sets.
func jobID(flag string) string {
	for _, v := range []string{flag, os.Getenv("MLCD_JOB_ID"), os.Getenv("SLURM_JOB_ID")} {
		if v != "" {
			return v
		}
	}
	return ""
}

func cachedNote(rec *pipeline.TaskRecord) string {
	if rec.CacheHit {
		return " (cached)"
	}
	return ""
}

// openPlan opens the store of the checkout --repo names and reads the plan
// of --run from it.
func openPlan(ctx context.Context, to *taskOptions) (dir string, st store.Store, pl *engine.Plan, err error) {
	if dir, err = filepath.Abs(to.repo); err != nil {
		return "", nil, nil, err
	}
	if st, err = openStore(ctx, to.store, dir, &pipeline.Pipeline{Store: configuredStore(dir)}); err != nil {
		return "", nil, nil, err
	}
	if pl, err = engine.ReadPlan(ctx, st, to.run); err != nil {
		return "", nil, nil, err
	}
	return dir, st, pl, nil
}
