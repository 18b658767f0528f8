package main

import (
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
func openStore(flag, dir string, p *pipeline.Pipeline) (*store.Local, error) {
	loc, err := locateStore(flag, dir, p.Store, os.Getenv)
	if err != nil {
		return nil, err
	}
	return store.OpenAt(loc)
}

// existingStore opens the store of a read-only command; it never creates
// one, and its error names where it looked.
func existingStore(flag, dir string, getenv func(string) string) (*store.Local, error) {
	loc, err := locateStore(flag, dir, configuredStore(dir), getenv)
	if err != nil {
		return nil, err
	}
	return store.OpenExisting(loc)
}
