package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// registerLocal registers the run's new model versions in the working tree
// at dir as the controller does on the branch (registry.RegisterDir), says
// what it wrote, and prints the git commands that put the run and its versions in the
// repository's history (mlcd commits nothing of a local run).
func registerLocal(out io.Writer, dir string, r *pipeline.Run) error {
	runFiles, err := pipeline.MarshalRunFiles(r)
	if err != nil {
		return err
	}
	paths := slices.Sorted(maps.Keys(runFiles))
	if !hasModelTask(r) {
		return printGitHint(out, dir, r, paths)
	}
	if r.Git == nil || r.Git.Commit == "" {
		fmt.Fprintln(out, "registered: nothing: a version names the git commit of the code that trained it, and this folder has none; commit your code (git init, git add, git commit) and run again")
		return printGitHint(out, dir, r, paths)
	}
	if r.Git.Dirty {
		fmt.Fprintf(out, "note: uncommitted changes besides runs/ and models/: the versions name %.12s, which is not quite the code that trained them; commit first to make them reproducible\n", r.Git.Commit)
	}
	versions, regErr, err := registry.RegisterDir(dir, r)
	if errors.Is(err, registry.ErrInvalidDir) {
		fmt.Fprintf(out, "registry: not registered, %v\n", err)
		return printGitHint(out, dir, r, paths)
	}
	if err != nil {
		return err
	}
	for _, v := range versions {
		fmt.Fprintf(out, "registered: %s v%d (stage None) in %s\n", v.Model, v.Version, filepath.Join(dir, filepath.FromSlash(v.Path())))
		paths = append(paths, v.Path())
	}
	if len(versions) == 0 && regErr == nil {
		fmt.Fprintln(out, "registered: no new version (a cached model task, or a model file equal to its latest version's)")
	}
	if regErr != nil {
		fmt.Fprintf(out, "registry: %v\n", regErr)
	}
	return printGitHint(out, dir, r, paths)
}

func hasModelTask(r *pipeline.Run) bool {
	for _, t := range r.Tasks {
		if t.Model != nil {
			return true
		}
	}
	return false
}

// printGitHint prints the commit that records the run, with paths
// relative to the current folder, when dir is in a git working tree.
func printGitHint(out io.Writer, dir string, r *pipeline.Run, paths []string) error {
	if _, ok := gitstore.CheckoutOf(dir); !ok {
		return nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = dir
	}
	args := make([]string, len(paths))
	for i, p := range paths {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if rel, err := filepath.Rel(cwd, abs); err == nil && !strings.HasPrefix(rel, "..") {
			abs = rel
		}
		args[i] = shellQuote(abs)
	}
	_, err = fmt.Fprintf(out, "to record it in git (the controller commits its own runs; a local run is yours to commit):\n  git add %s && git commit -m %s\n",
		strings.Join(args, " "), shellQuote("mlcd: record run "+r.ID))
	return err
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
