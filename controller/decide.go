package controller

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"time"

	"github.com/mlcd-dev/mlcd/layout"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// decide compares head with the last commit looked at and returns the run
// it needs, or nil. It remembers head as looked at.
func (c *Controller) decide(ctx context.Context, head string, trigger pipeline.Trigger) (*request, error) {
	sn, err := c.state.loadSeen()
	if err != nil {
		return nil, err
	}
	c.status.update(func(s *Status) { s.Seen = &SeenCommit{Commit: head, At: time.Now().UTC()} })
	if sn.Commit == head {
		c.log.Debug("commit already seen", "commit", short(head))
		return nil, nil
	}
	base := sn.Commit
	if base == "" {
		base, err = c.lastRecordedCommit(ctx, head)
		if err != nil {
			return nil, err
		}
	}
	paths, err := c.repo.ChangedPaths(ctx, base, head)
	if err != nil && base != "" {
		// The base is gone (history rewritten, or a foreign state folder):
		// look at every path.
		c.log.Warn("cannot compare with the last commit seen; treating every file as changed", "base", short(base), "err", err)
		paths, err = c.repo.ChangedPaths(ctx, "", head)
	}
	if err != nil {
		return nil, fmt.Errorf("changed paths %s..%s: %w", short(base), short(head), err)
	}
	needed, err := c.needsRun(ctx, head, paths)
	if err != nil {
		return nil, err
	}
	if !needed {
		// Remember it now. A commit that needs a run is remembered when its
		// run starts (and its record is kept), so a crash before then loses
		// nothing: the next pass compares from the older commit again.
		c.log.Debug("no run needed", "commit", short(head), "base", short(base), "changed", paths)
		return nil, c.state.saveSeen(seen{Commit: head})
	}
	return &request{Commit: c.effectiveCommit(ctx, head), Trigger: trigger, Paths: paths, Enqueued: time.Now().UTC()}, nil
}

// effectiveCommit is the commit a run of head records: head itself, or,
// when head is the bot's records on top of a person's commit, that commit.
// The two hold the same pipeline, code and data; the record names the commit
// a person made, and the bot's own commits never appear as what a run ran.
func (c *Controller) effectiveCommit(ctx context.Context, head string) string {
	h := head
	for range 100 {
		info, err := c.repo.Commit(ctx, h)
		if err != nil || len(info.Parents) != 1 {
			return h
		}
		paths, err := c.repo.ChangedPaths(ctx, info.Parents[0], h)
		if err != nil || len(paths) == 0 {
			return h
		}
		pl, _ := c.pipelineAt(ctx, h)
		for _, p := range paths {
			if !botPath(p) && !c.inManifests(kubeOf(pl), p) {
				return h
			}
		}
		h = info.Parents[0]
	}
	return h
}

// needsRun reports whether a change to paths at head starts a run: a path
// outside the bot's folders that matches on.paths (every path when on.paths
// is empty). An mlcd.yaml that does not parse needs a run too: the run
// records the errors.
func (c *Controller) needsRun(ctx context.Context, head string, paths []string) (bool, error) {
	p, err := c.pipelineAt(ctx, head)
	var changed []string
	for _, path := range paths {
		if !botPath(path) && !c.inManifests(kubeOf(p), path) {
			changed = append(changed, path)
		}
	}
	if len(changed) == 0 {
		return false, nil
	}
	if err != nil {
		return true, nil
	}
	if len(p.OnPaths) == 0 {
		return true, nil
	}
	for _, path := range changed {
		for _, glob := range p.OnPaths {
			if pipeline.MatchPath(glob, path) {
				return true, nil
			}
		}
	}
	return false, nil
}

// kubeOf is deploy.kubernetes of p, nil for the local target or no p.
func kubeOf(p *pipeline.Pipeline) *pipeline.Kubernetes {
	if p == nil || p.Deploy.Target != pipeline.TargetKubernetes {
		return nil
	}
	return p.Deploy.Kubernetes
}

// botPath reports whether path is one of the bot's own files.
func botPath(p string) bool { return layout.IsBotPath(p) }

// pipelineAt parses mlcd.yaml at commit. One event asks for it several
// times (the schedule, the changed paths, the run's name, the deploy
// gate): the last commit's file is read and parsed once.
func (c *Controller) pipelineAt(ctx context.Context, commit string) (*pipeline.Pipeline, error) {
	pf, err := c.pipelineFile(ctx, commit)
	if err != nil {
		return nil, err
	}
	return pf.p, pf.err
}

// parsedPipeline is mlcd.yaml of one commit: its bytes and what they parse to.
type parsedPipeline struct {
	commit string
	data   []byte
	p      *pipeline.Pipeline
	err    error // the parse's problems
}

func (c *Controller) pipelineFile(ctx context.Context, commit string) (*parsedPipeline, error) {
	if pf := c.lastPipeline.Load(); pf != nil && pf.commit == commit {
		return pf, nil
	}
	data, err := c.repo.ReadFile(ctx, commit, pipeline.FileName)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", pipeline.FileName, short(commit), err)
	}
	pf := &parsedPipeline{commit: commit, data: data}
	pf.p, pf.err = pipeline.Parse(pipeline.FileName, data)
	c.lastPipeline.Store(pf)
	return pf, nil
}

// lastRecordedCommit is the commit of the newest run record at head, or ""
// when the branch holds none: where a fresh controller (a CI job) starts
// comparing from.
func (c *Controller) lastRecordedCommit(ctx context.Context, head string) (string, error) {
	fsys, err := c.repo.FS(ctx, head)
	if err != nil {
		return "", err
	}
	files, err := pipeline.RunFiles(fsys, pipelineName(ctx, c, head))
	if err != nil {
		return "", err
	}
	// Newest first: ids sort by time, whatever folder they are filed in.
	sort.Slice(files, func(i, j int) bool { return path.Base(files[i]) > path.Base(files[j]) })
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", err
		}
		r, err := pipeline.DecodeRun(data)
		if err != nil || r.Git == nil || r.Git.Commit == "" {
			continue
		}
		if r.Status == pipeline.StatusInterrupted {
			continue
		}
		return r.Git.Commit, nil
	}
	return "", nil
}

var pipelineLine = regexp.MustCompile(`(?m)^pipeline:[ \t]*["']?([a-z0-9][a-z0-9._-]{0,62})["']?[ \t]*(#.*)?$`)

// pipelineName is the pipeline's name at commit, read leniently so that an
// invalid mlcd.yaml still gets its failed record in the right folder.
func pipelineName(ctx context.Context, c *Controller, commit string) string {
	pf, err := c.pipelineFile(ctx, commit)
	switch {
	case err != nil:
	case pf.err == nil:
		return pf.p.Name
	default:
		if m := pipelineLine.FindSubmatch(pf.data); m != nil {
			return string(m[1])
		}
	}
	return "pipeline"
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// redactURL drops credentials from a repository URL before it is shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
