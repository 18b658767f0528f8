// Command mlcd is continuous delivery for machine learning, driven by a Git
// repository: it runs the training DAG of mlcd.yaml, records runs and model
// versions as files in the repository, renders a static report, and serves
// the version that a merged pull request promoted to Production.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mlcd-dev/mlcd/diag"
	"github.com/mlcd-dev/mlcd/forge"
)

// Exit codes, in one place (restic's convention).
const (
	exitOK        = 0
	exitError     = 1
	exitBadInput  = 3
	exitCancelled = 130
)

// version is stamped by the Makefile with -ldflags -X.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := newRootCommand(&globalOptions{stdout: os.Stdout, stderr: os.Stderr})
	err := cmd.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mlcd: %v\n", err)
	}
	os.Exit(exitCode(err))
}

// inputError marks an error caused by what the user gave (bad flags, a bad
// file): it exits with 3.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// badInput marks err as the user's mistake.
func badInput(err error) error { return &inputError{err: err} }

func exitCode(err error) int {
	var (
		perr *diag.Error
		ierr *inputError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitCancelled
	case errors.As(err, &ierr), errors.As(err, &perr), errors.Is(err, forge.ErrBadArgument):
		return exitBadInput
	}
	return exitError
}

func newLogger(opts *globalOptions) *slog.Logger {
	level := slog.LevelInfo
	if opts.debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(opts.stderr, &slog.HandlerOptions{Level: level}))
}
