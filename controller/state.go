package controller

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// The state folder holds what the controller must not lose between
// restarts:
//
//	repo/              the bare clone (gitstore)
//	records/<id>.json  a run that started and is not yet on the branch:
//	                   status running (the controller died during it) or
//	                   final (its push has not landed yet)
//	work/<id>/         the checkout of a running run
//	checkouts/<commit>/ a git checkout of the commit for an engine's jobs
//	                   (executor: slurm), reused by its runs
//	joblogs/           what the engine's jobs printed
//	jobs/<id>.json     the job ids of a run on an engine, until it ends:
//	                   a controller that died follows them when it starts
//	store/             the artifact store, when neither Config.Store, store:
//	                   nor Config.DefaultStore names one
//	objects/           copies of a bucket store's objects the report read
//	inputs.json        input files' sha256 by stat, with a bucket store
//	seen.json          the last commit whose changes were looked at
//	status.json        what `mlcd status` prints
type stateDir struct{ root string }

func (s stateDir) repo() string            { return filepath.Join(s.root, "repo") }
func (s stateDir) work(id string) string   { return filepath.Join(s.root, "work", id) }
func (s stateDir) checkouts() string       { return filepath.Join(s.root, "checkouts") }
func (s stateDir) jobLogs() string         { return filepath.Join(s.root, "joblogs") }
func (s stateDir) store() string           { return filepath.Join(s.root, "store") }
func (s stateDir) objects() string         { return filepath.Join(s.root, "objects") }
func (s stateDir) statusFile() string      { return filepath.Join(s.root, "status.json") }
func (s stateDir) recordsDir() string      { return filepath.Join(s.root, "records") }
func (s stateDir) record(id string) string { return filepath.Join(s.recordsDir(), id+".json") }

// seen is the controller's memory of the branch.
type seen struct {
	// Commit is the last commit whose changed paths were examined; the next
	// commit is compared with it.
	Commit string `json:"commit"`
}

func (s stateDir) loadSeen() (seen, error) {
	var v seen
	return v, s.loadJSON("seen.json", &v)
}

func (s stateDir) saveSeen(v seen) error { return s.saveJSON("seen.json", v) }

// loadJSON decodes the state file name into v; a missing file leaves v as
// it is.
func (s stateDir) loadJSON(name string, v any) error {
	path := filepath.Join(s.root, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read state %s: %w", path, err)
	}
	return nil
}

// saveJSON writes v to the state file name, atomically.
func (s stateDir) saveJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(s.root, name), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// saveRecord keeps r in the state folder until it is on the branch.
func (s stateDir) saveRecord(r *pipeline.Run) error {
	data, err := pipeline.MarshalRun(r)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(s.record(r.ID), data, 0o644); err != nil {
		return fmt.Errorf("keep record %s: %w", r.ID, err)
	}
	return nil
}

func (s stateDir) dropRecord(id string) error {
	err := os.Remove(s.record(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// records returns the records kept in the state folder, oldest first.
func (s stateDir) records() ([]*pipeline.Run, error) {
	entries, err := os.ReadDir(s.recordsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list kept records: %w", err)
	}
	var runs []*pipeline.Run
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		r, err := pipeline.ReadRun(filepath.Join(s.recordsDir(), e.Name()))
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs, nil
}
