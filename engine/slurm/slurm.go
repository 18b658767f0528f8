package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/engine"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// Engine submits runs to the Slurm cluster that its commands reach.
type Engine struct {
	// Env is added to the environment of the Slurm commands (and so of
	// the jobs, which sbatch gives the submitter's environment): e.g.
	// SLURM_CONF.
	Env []string
	// LogDir receives each job's own output (what mlcd task exec prints);
	// "" means os.TempDir().
	LogDir string
	Logger *slog.Logger
}

var _ engine.Engine = (*Engine)(nil)

// Submit submits the tasks in DAG order, each with its upstreams' job ids.
func (e *Engine) Submit(ctx context.Context, s engine.Submission) (engine.Jobs, error) {
	jobs := engine.Jobs{}
	for _, t := range s.Pipeline.Order() {
		if s.Plan.Task(t.Name) == nil {
			continue
		}
		args, err := e.sbatchArgs(s, t, jobs)
		if err != nil {
			return nil, e.undo(ctx, jobs, err)
		}
		out, err := e.command(ctx, "sbatch", args...)
		if err != nil {
			return nil, e.undo(ctx, jobs, fmt.Errorf("task %s: %w", t.Name, err))
		}
		id, _, _ := strings.Cut(strings.TrimSpace(out), ";") // "id" or "id;cluster"
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return nil, e.undo(ctx, jobs, fmt.Errorf("task %s: sbatch printed %q, not a job id", t.Name, out))
		}
		jobs[t.Name] = id
	}
	return jobs, nil
}

// undo cancels what Submit submitted before err.
func (e *Engine) undo(ctx context.Context, jobs engine.Jobs, err error) error {
	if len(jobs) == 0 {
		return err
	}
	return errors.Join(err, e.Cancel(context.WithoutCancel(ctx), jobs))
}

// sbatchArgs are the options of task t's job; jobs holds its upstreams'.
func (e *Engine) sbatchArgs(s engine.Submission, t *pipeline.Task, jobs engine.Jobs) ([]string, error) {
	logDir := e.LogDir
	if logDir == "" {
		logDir = os.TempDir()
	}
	args := []string{
		"--parsable",
		"--job-name=mlcd-" + s.Plan.Pipeline + "-" + t.Name,
		"--output=" + filepath.Join(logDir, "mlcd-"+s.Plan.RunID+"-"+t.Name+"-%j.out"),
		"--chdir=" + s.Dir,
		"--kill-on-invalid-dep=yes",
	}
	if len(t.Needs) > 0 {
		ids := make([]string, len(t.Needs))
		for i, u := range t.Needs {
			if ids[i] = jobs[u]; ids[i] == "" {
				return nil, fmt.Errorf("task %s: upstream %s has no job", t.Name, u)
			}
		}
		kind := "afterok"
		if t.TriggerRule != pipeline.AllSuccess {
			kind = "afterany" // the task may run after a failure: mlcd task exec decides
		}
		args = append(args, "--dependency="+kind+":"+strings.Join(ids, ":"))
	}
	args = append(args, resourceArgs(t)...)
	args = append(args, "--wrap", wrap(s, t.Name))
	return args, nil
}

// resourceArgs maps the task's executor options, resources and timeout to
// sbatch options; the extra args come last, so they win.
func resourceArgs(t *pipeline.Task) []string {
	var args []string
	x, r := t.Executor, t.Resources
	if x.Partition != "" {
		args = append(args, "--partition="+x.Partition)
	}
	if x.Account != "" {
		args = append(args, "--account="+x.Account)
	}
	if r.CPUs > 0 {
		args = append(args, "--cpus-per-task="+strconv.Itoa(r.CPUs))
	}
	if r.Memory != "" {
		args = append(args, "--mem="+r.Memory)
	}
	if r.GPUs > 0 {
		args = append(args, "--gres=gpu:"+strconv.Itoa(r.GPUs))
	}
	if limit := TimeLimit(t); limit > 0 {
		args = append(args, "--time="+strconv.Itoa(int(limit/time.Minute)))
	}
	return append(args, x.Args...)
}

// TimeLimit is the job's --time for a task with a timeout: every attempt
// at its timeout, the waits between them, and a minute for mlcd, in whole
// minutes; 0 (no limit) for a task without a timeout. mlcd's own timeout
// ends each attempt first; Slurm's is the backstop.
func TimeLimit(t *pipeline.Task) time.Duration {
	if t.Timeout <= 0 {
		return 0
	}
	total := time.Duration(t.Retries+1)*t.Timeout + time.Minute
	delay := t.RetryDelay
	for range t.Retries {
		total += delay
		delay = time.Duration(float64(delay) * max(t.Backoff, 1))
		if t.MaxDelay > 0 && delay > t.MaxDelay {
			delay = t.MaxDelay
		}
	}
	return (total + time.Minute - 1) / time.Minute * time.Minute
}

// wrap is the job's command line.
func wrap(s engine.Submission, task string) string {
	parts := []string{"exec", s.Mlcd, "task", "exec", "--run", s.Plan.RunID, "--task", task, "--repo", s.Dir}
	if s.Store != "" {
		parts = append(parts, "--store", s.Store)
	}
	for i, p := range parts {
		parts[i] = shellQuote(p)
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// command runs a Slurm command and returns its standard output; its error
// carries the command's message.
func (e *Engine) command(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), e.Env...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}
