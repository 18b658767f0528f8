package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/journal"
	"github.com/mlcd-dev/mlcd/registry"
)

// loadModelsDir reads the registry of the repository folder with the
// registry package's reader. Files with problems are reported in the
// error; the valid versions are shown.
func loadModelsDir(repo string) ([]*registry.Model, error) {
	r, err := registry.LoadDir(repo)
	if r == nil {
		return nil, err
	}
	return r.Models(), err
}

// Deployment is deployments/<model>.yaml as far as the report shows it.
type Deployment struct {
	Model   string
	Current *DeployEvent
	History []DeployEvent
}

// DeployEvent is one deploy, rollback or refusal.
type DeployEvent struct {
	Time     time.Time
	Action   string // deploy, rollback, refusal, archive, failure; for the current one, its status
	Version  int
	Endpoint string
	Commit   string
	Reason   string
}

// loadDeployments reads deployments/*.yaml with the deploy package's
// reader (the one format mlcd writes); the folder may be absent. A record
// with problems is named in the error, a record that leads outside the
// repository is refused, and the others are shown.
func (p *pass) loadDeployments() (map[string]*Deployment, error) {
	fsys := p.repoFS
	files, err := fs.ReadDir(fsys, journal.RecordDir)
	if errors.Is(err, fs.ErrNotExist) || p.refuse(journal.RecordDir, err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	out := map[string]*Deployment{}
	var errs []error
	for _, f := range files {
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".yaml") {
			continue
		}
		name := path.Join(journal.RecordDir, f.Name())
		data, err := fs.ReadFile(fsys, name)
		if p.refuse(name, err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read deployment: %w", err)
		}
		rec, err := journal.Parse(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[rec.Model] = deploymentOf(rec)
	}
	return out, errors.Join(errs...)
}

// deploymentOf is what the report shows of a deployment record.
func deploymentOf(rec *journal.Record) *Deployment {
	d := &Deployment{Model: rec.Model}
	if c := rec.Current; c != nil {
		d.Current = &DeployEvent{Time: c.Since, Action: c.Status, Version: c.Version, Endpoint: c.Endpoint, Commit: c.Commit}
	}
	for _, ev := range rec.History {
		d.History = append(d.History, DeployEvent{Time: ev.Time, Action: string(ev.Kind), Version: ev.Version, Commit: ev.Commit, Reason: ev.Reason})
	}
	return d
}
