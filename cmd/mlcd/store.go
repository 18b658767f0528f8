package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// locateStore is the artifact store of a command working on the repository
// in dir, by store.Locate's rule; configured is mlcd.yaml's store:.
func locateStore(flag, dir, configured string, getenv func(string) string) (store.Location, error) {
	return store.Locate(store.Sources{Flag: flag, Env: getenv(store.EnvStore), Config: configured, Dir: dir, Getenv: getenv})
}

// configuredStore is store: of dir/mlcd.yaml, "" when there is none or the
// file does not parse (the command reports its own errors about it).
func configuredStore(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, pipeline.FileName))
	if err != nil {
		return ""
	}
	p, err := pipeline.Parse(pipeline.FileName, data)
	if err != nil || p == nil {
		return ""
	}
	return p.Store
}

// openStore opens, creating it when missing, the store of a command that
// writes artifacts (run, watch --local).
func openStore(ctx context.Context, flag, dir string, p *pipeline.Pipeline) (store.Store, error) {
	loc, err := locateStore(flag, dir, p.Store, os.Getenv)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenAt(ctx, loc)
	if errors.Is(err, store.ErrNoBucket) || errors.Is(err, store.ErrNoCredentials) {
		return nil, badInput(err)
	}
	return st, err
}

// existingStore opens the store of a read-only command; it never creates
// one, and its error names where it looked.
func existingStore(ctx context.Context, flag, dir string, getenv func(string) string) (store.Store, error) {
	loc, err := locateStore(flag, dir, configuredStore(dir), getenv)
	if err != nil {
		return nil, err
	}
	return store.OpenExisting(ctx, loc)
}

// inputHashes is the file where a run on this machine remembers the
// sha256 of input files (executor.Options.InputHashes): beside a folder
// store's objects, else in the user's cache folder; "" when there is none.
func inputHashes(st store.Store) string {
	if l, ok := st.(*store.Local); ok {
		return filepath.Join(l.Root(), "cache", "inputs.json")
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "mlcd", "inputs.json")
	}
	return ""
}

// storeFiles is where the report reads st's objects as files (store.Files):
// a bucket store's objects are copied, as the report needs them, into the
// user's cache folder.
func storeFiles(ctx context.Context, st store.Store) (string, func(string) error, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return store.Files(ctx, st, filepath.Join(dir, "mlcd", "objects"))
}

// controllerStores are the store sources of a controller whose state
// folder is state, for store.Locate's rule, which the controller applies
// with store: of mlcd.yaml at each commit: named is --store, else
// $MLCD_STORE; fallback is the store when none is named, the default or,
// for a state folder where earlier versions of mlcd kept the controller's
// store, that one, so that what serves keeps its artifacts.
func controllerStores(flag, state string, getenv func(string) string, log *slog.Logger) (named, fallback string, err error) {
	named = flag
	if named == "" {
		named = getenv(store.EnvStore)
	}
	if fallback, err = store.DefaultDir(getenv); err != nil {
		return "", "", err
	}
	if legacy := filepath.Join(state, "store"); named == "" && isStore(legacy) {
		log.Warn("using the artifact store in the state folder, where earlier versions of mlcd kept it; move it to the default or pass --store",
			"store", legacy, "default", fallback)
		fallback = legacy
	}
	return named, fallback, nil
}

// isStore reports whether dir holds an artifact store.
func isStore(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "sha256"))
	return err == nil && fi.IsDir()
}
