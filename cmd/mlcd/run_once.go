package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mlcd-dev/mlcd/controller"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// runOnce is `mlcd run --once --repo URL`: one pass of the controller, for
// GitHub Actions and cron. It publishes what an earlier pass left unpushed,
// fetches, runs the pipeline if its code or data changed since the last
// recorded run, and pushes the record. Exit 0 when nothing needed a run or
// the run succeeded, 1 when it failed.
func runOnce(ctx context.Context, opts *globalOptions, ro *runOptions, args []string, out io.Writer) error {
	switch {
	case !ro.once:
		return badInput(fmt.Errorf("--repo needs --once (or use `mlcd watch --repo`)"))
	case ro.ctl.repo == "":
		return badInput(fmt.Errorf("--once runs the controller's pass on a repository: give --repo URL_OR_PATH (for a local run, drop --once)"))
	case len(args) > 0:
		return badInput(fmt.Errorf("--once runs the repository of --repo, not a folder (%s)", args[0]))
	case len(ro.tasks) > 0 || len(ro.params) > 0 || ro.noCache:
		return badInput(fmt.Errorf("--task, --param and --no-cache apply to a local run, not to --once"))
	}
	ro.ctl.jobs = ro.jobs
	cfg, err := ro.ctl.config(opts, out)
	if err != nil {
		return err
	}
	c, err := controller.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	r, err := c.Once(ctx)
	if err != nil {
		return err
	}
	if r == nil {
		fmt.Fprintf(out, "mlcd: nothing changed in %s since the last recorded run\n", cfg.Branch)
		return nil
	}
	fmt.Fprintf(out, "mlcd: run %s of %s at %s: %s, recorded in %s\n", r.ID, r.Pipeline, shortCommit(r.Git.Commit), r.Status, pipeline.RunRelPath(r.Pipeline, r.ID))
	if r.Status != pipeline.StatusSuccess {
		msg := r.Error
		if msg == "" {
			msg = strings.Join(failedTasks(r), ", ")
		}
		return fmt.Errorf("run %s %s: %s", r.ID, r.Status, msg)
	}
	return nil
}
