package executor

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// result is what a worker reports for one job.
type result struct {
	key       string
	hit       *cacheEntry // set on a cache hit: nothing ran
	attempt   pipeline.Attempt
	err       error // the attempt failed
	permanent bool  // retrying cannot help (bad outputs, bad metrics JSON)
	outDir    string
	report    report
}

// attemptTask is one job: on the first attempt, compute the cache key and
// look it up; then run the command and collect what it left.
func (s *scheduler) attemptTask(ctx context.Context, j job) result {
	res := result{key: j.key, attempt: pipeline.Attempt{Number: j.attempt, ExitCode: -1}}
	t := j.n.task
	if res.key == "" {
		key, err := s.cacheKey(ctx, j)
		if err != nil {
			res.err, res.permanent = fmt.Errorf("cache key: %w", err), true
			return res
		}
		res.key = key
	}
	if s.cacheOn() && t.Cache && !s.opts.NoCache {
		if e := s.lookup(ctx, res.key); e != nil {
			res.hit = e
			return res
		}
	}
	dirs, err := s.attemptDirs(j)
	if err != nil {
		res.err = err
		return res
	}
	env, err := s.taskEnv(ctx, j, dirs)
	if err != nil {
		res.err, res.permanent = err, true
		return res
	}
	if sess := s.openTracking(j, &dirs); sess != nil {
		env = append(env, sess.Env()...)
		res.attempt, res.err = s.execute(ctx, j, env, dirs)
		sess.Close() // no call lands after this: the log file and MLCD_OUT are final
		dirs.rec.close()
	} else {
		res.attempt, res.err = s.execute(ctx, j, env, dirs)
	}
	if res.err != nil {
		res.report = s.partialReport(j, dirs)
		return res
	}
	rep, empty, err := s.collect(ctx, j, dirs)
	if err != nil {
		res.err, res.permanent = err, true
		res.report = s.partialReport(j, dirs)
		return res
	}
	res.outDir, res.report = dirs.out, rep
	if empty {
		if res.outDir, err = s.scratch.emptyDir(); err != nil {
			res.err = err
			return res
		}
		s.scratch.give(dirs.out)
	}
	if s.cacheOn() && t.Cache {
		s.save(context.WithoutCancel(ctx), res.key, j, rep)
	}
	return res
}

// attemptDirs are the scratch paths of one attempt. The log and the mlcd
// log file are outside MLCD_OUT so that they are never outputs.
type attemptDirs struct {
	out     string // MLCD_OUT
	log     string // stdout and stderr
	mlcdLog string // MLCD_LOG_FILE: JSON lines of `mlcd log`

	// With the tracking endpoint on: where its calls are recorded, and
	// the way to add a line to the task's output.
	rec   *taskRecorder
	notes *noteWriter
}

func (s *scheduler) attemptDirs(j job) (attemptDirs, error) {
	out, err := s.scratch.take()
	if err != nil {
		return attemptDirs{}, err
	}
	base := filepath.Join(s.work, strconv.Itoa(j.n.idx)+"-"+strconv.Itoa(j.attempt))
	return attemptDirs{out: out, log: base + ".log", mlcdLog: base + ".mlcd-log.jsonl"}, nil
}

// upstreamDir is the output folder of an upstream task for MLCD_IN_<TASK>:
// the folder its attempt wrote, or, for a cache hit, a folder restored from
// the store the first time a downstream task needs it.
func (s *scheduler) upstreamDir(ctx context.Context, u upstream) (string, error) {
	if u.outDir != "" {
		return u.outDir, nil
	}
	n := u.n
	if len(n.rec.Outputs) == 0 {
		return s.scratch.emptyDir()
	}
	n.restoreOnce.Do(func() {
		dir := filepath.Join(s.work, strconv.Itoa(n.idx)+"-restored")
		n.restoreErr = restoreOutputs(ctx, s.opts.Store, n.rec.Outputs, dir)
		n.restoreDir = dir
	})
	if n.restoreErr != nil {
		return "", fmt.Errorf("restore outputs of %s: %w", n.task.Name, n.restoreErr)
	}
	return n.restoreDir, nil
}

// partialReport is what a failed attempt had logged when it ended: what
// `mlcd log` and the tracking endpoint acknowledged is kept even when the
// task is killed. Outputs are not stored.
func (s *scheduler) partialReport(j job, dirs attemptDirs) report {
	var rep report
	if err := readLogFile(dirs.mlcdLog, &rep); err != nil {
		s.log.Warn("log of a failed attempt not read", "task", j.n.task.Name, "attempt", j.attempt, "err", err)
	}
	return rep
}

func (s *scheduler) cacheOn() bool { return s.opts.Cache }

var errTimeout = errors.New("timed out")

func timeoutError(d time.Duration) error {
	return fmt.Errorf("%w after %s", errTimeout, d)
}
