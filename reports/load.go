package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// loadModels reads the registry with the registry package's reader. Files
// with problems are reported in the error; the valid versions are shown.
func loadModels(fsys fs.FS) ([]*registry.Model, error) {
	r, err := registry.Load(fsys)
	if r == nil {
		return nil, err
	}
	return r.Models(), err
}

// Deployment is deployments/<model>.yaml as far as the report shows it.
type Deployment struct {
	Model   string        `yaml:"model"`
	Current *DeployEvent  `yaml:"current"`
	History []DeployEvent `yaml:"history"`
}

// DeployEvent is one deploy, rollback or refusal.
type DeployEvent struct {
	Time     time.Time `yaml:"time"`
	Action   string    `yaml:"action"` // deploy, rollback, refused
	Version  int       `yaml:"version"`
	Endpoint string    `yaml:"endpoint"`
	Commit   string    `yaml:"commit"`
	Reason   string    `yaml:"reason"`
}

// loadDeployments reads deployments/*.yaml; the folder may be absent.
func loadDeployments(fsys fs.FS) (map[string]*Deployment, error) {
	files, err := fs.ReadDir(fsys, "deployments")
	if errors.Is(err, fs.ErrNotExist) {
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
		name := path.Join("deployments", f.Name())
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read deployment: %w", err)
		}
		var d Deployment
		if err := yaml.Unmarshal(data, &d); err != nil {
			errs = append(errs, &pipeline.Error{File: name, Msg: err.Error()})
			continue
		}
		if d.Model == "" {
			d.Model = strings.TrimSuffix(f.Name(), ".yaml")
		}
		out[d.Model] = &d
	}
	return out, errors.Join(errs...)
}
