package executor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
)

// cacheKeySchema changes when the encoding of keyInput changes, so that old
// index entries stop matching instead of matching wrongly.
const cacheKeySchema = 1

// keyInput is what a cache key hashes. encoding/json writes struct fields
// in order and map keys sorted: the encoding is canonical.
type keyInput struct {
	Schema    int               `json:"schema"`
	Task      string            `json:"task"` // identical commands of two tasks do not share results
	Argv      []string          `json:"argv"`
	Env       map[string]string `json:"env"`
	Secrets   []string          `json:"secrets,omitempty"` // names only: a new token reruns nothing
	Params    pipeline.Params   `json:"params"`
	Inputs    []string          `json:"inputs"` // the globs as written
	Files     []fileDigest      `json:"files"`  // what they matched, sorted
	Upstreams []upstreamKey     `json:"upstreams"`
}

type fileDigest struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

type upstreamKey struct {
	Task    string            `json:"task"`
	Status  pipeline.Status   `json:"status"`
	Outputs []pipeline.Output `json:"outputs"`
}

// cacheKey hashes the task's name, command, env, the run's params, the content
// of its input files and its upstreams' outputs.
func (s *scheduler) cacheKey(ctx context.Context, j job) (string, error) {
	t := j.n.task
	var files []string
	if len(t.Inputs) > 0 {
		var err error
		if files, err = pipeline.ExpandGlobs(s.opts.Dir, t.Inputs); err != nil {
			return "", err
		}
	}
	in := keyInput{Schema: cacheKeySchema, Task: t.Name, Argv: t.Run, Env: t.Env, Secrets: t.Secrets, Params: s.run.Params, Inputs: t.Inputs}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		sum, err := s.inputs.sum(filepath.Join(s.opts.Dir, filepath.FromSlash(f)))
		if err != nil {
			return "", fmt.Errorf("input %s: %w", f, err)
		}
		in.Files = append(in.Files, fileDigest{Path: f, SHA256: sum})
	}
	for _, u := range j.ups {
		in.Upstreams = append(in.Upstreams, upstreamKey{Task: u.n.task.Name, Status: u.n.rec.Status, Outputs: u.n.rec.Outputs})
	}
	data, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cacheEntry is one entry of the index: the store's document
// cache/<key> (cacheDoc), so that every machine using the store shares it.
type cacheEntry struct {
	Key           string                            `json:"key"`
	Task          string                            `json:"task"`
	RunID         string                            `json:"run_id"`
	Created       time.Time                         `json:"created"`
	Outputs       []pipeline.Output                 `json:"outputs,omitempty"`
	Params        pipeline.Params                   `json:"params,omitempty"`
	Metrics       map[string]float64                `json:"metrics,omitempty"`
	MetricHistory map[string][]pipeline.MetricPoint `json:"metric_history,omitempty"`
	Tags          map[string]string                 `json:"tags,omitempty"`
	MLflowRuns    []pipeline.TrackedRun             `json:"mlflow_runs,omitempty"`
}

// cacheDoc is the name of key's entry among the store's documents.
func cacheDoc(key string) string { return store.CacheIndex + key }

// lookup returns the entry of key when it exists, parses and every output
// it names is still in the store; anything else is a miss.
func (s *scheduler) lookup(ctx context.Context, key string) *cacheEntry {
	data, err := s.opts.Store.ReadDoc(ctx, cacheDoc(key))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("cache index unreadable, task runs", "key", key, "err", err)
		}
		return nil
	}
	var e cacheEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Key != key {
		s.log.Debug("cache entry unreadable, ignored", "key", key, "err", err)
		return nil
	}
	for _, o := range e.Outputs {
		has, err := s.opts.Store.Has(ctx, o.SHA256)
		if err != nil {
			s.log.Warn("cache entry output not checked, task runs", "key", key, "output", o.Path, "err", err)
			return nil
		}
		if !has {
			s.log.Debug("cache entry output gone from the store", "key", key, "output", o.Path)
			return nil
		}
	}
	return &e
}

// save indexes a successful execution. The store replaces the document
// whole, and a folder store does not sync it to the disk: a lost or empty
// entry is only a miss (lookup checks it parses and names its key), and
// the run record does not depend on it.
func (s *scheduler) save(ctx context.Context, key string, j job, rep report) {
	if old := s.lookup(ctx, key); old != nil && sameResult(old, rep) {
		return // --no-cache reran it with the same result: nothing to write
	}
	e := cacheEntry{
		Key: key, Task: j.n.task.Name, RunID: s.run.ID, Created: now(),
		Outputs: rep.Outputs, Params: rep.Params, Metrics: rep.Metrics, MetricHistory: rep.MetricHistory, Tags: rep.Tags,
		MLflowRuns: rep.MLflowRuns,
	}
	data, err := json.Marshal(e)
	if err == nil {
		err = s.opts.Store.WriteDoc(ctx, cacheDoc(key), data)
	}
	if err != nil {
		s.log.Warn("cache index not written", "task", e.Task, "err", err)
	}
}

func sameResult(e *cacheEntry, rep report) bool {
	a, _ := json.Marshal([]any{e.Outputs, e.Params, e.Metrics, e.MetricHistory, e.Tags})
	b, _ := json.Marshal([]any{rep.Outputs, rep.Params, rep.Metrics, rep.MetricHistory, rep.Tags})
	return string(a) == string(b)
}
