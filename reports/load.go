package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// versionWire is the registry file format (docs/registry.md) as this
// package's fallback reader sees it. The registry package is the reference
// reader; Options.LoadModels plugs it in.
type versionWire struct {
	Schema      int                `yaml:"schema"`
	Model       string             `yaml:"model"`
	Version     int                `yaml:"version"`
	Stage       string             `yaml:"stage"`
	Aliases     []string           `yaml:"aliases"`
	Description string             `yaml:"description"`
	Run         string             `yaml:"run"`
	Pipeline    string             `yaml:"pipeline"`
	Task        string             `yaml:"task"`
	Commit      string             `yaml:"commit"`
	Artifact    artifactWire       `yaml:"artifact"`
	Flavor      string             `yaml:"flavor"`
	Metrics     map[string]float64 `yaml:"metrics"`
	Params      map[string]any     `yaml:"params"`
	Created     string             `yaml:"created"`
}

type artifactWire struct {
	File   string `yaml:"file"`
	SHA256 string `yaml:"sha256"`
	Size   int64  `yaml:"size"`
}

// loadModels reads models/<model>/v<N>.yaml from fsys. A file that does
// not parse is an error naming it; the other files are still read.
func loadModels(fsys fs.FS) ([]*registry.Model, error) {
	dirs, err := fs.ReadDir(fsys, registry.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	var (
		models []*registry.Model
		errs   []error
	)
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		m := &registry.Model{Name: d.Name()}
		files, err := fs.ReadDir(fsys, path.Join(registry.Dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("list model versions: %w", err)
		}
		for _, f := range files {
			if f.IsDir() || !strings.HasPrefix(f.Name(), "v") || !strings.HasSuffix(f.Name(), ".yaml") {
				continue
			}
			v, err := readVersion(fsys, path.Join(registry.Dir, d.Name(), f.Name()))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			v.Model = m.Name
			m.Versions = append(m.Versions, v)
		}
		sort.Slice(m.Versions, func(i, j int) bool { return m.Versions[i].Version < m.Versions[j].Version })
		models = append(models, m)
	}
	return models, errors.Join(errs...)
}

func readVersion(fsys fs.FS, name string) (*registry.Version, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read model version: %w", err)
	}
	var w versionWire
	if err := yaml.Unmarshal(data, &w); err != nil {
		return nil, &pipeline.Error{File: name, Msg: err.Error()}
	}
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "v"), ".yaml"))
	if err != nil || (w.Version != 0 && w.Version != n) {
		return nil, &pipeline.Error{File: name, Msg: "version does not match the file name"}
	}
	stage, err := registry.ParseStage(w.Stage)
	if err != nil && w.Stage != "" {
		return nil, &pipeline.Error{File: name, Msg: err.Error()}
	}
	if w.Stage == "" {
		stage = registry.StageNone
	}
	v := &registry.Version{Schema: w.Schema, Version: n, Stage: stage, Aliases: w.Aliases,
		Description: w.Description, RunID: w.Run, Pipeline: w.Pipeline, Task: w.Task, Commit: w.Commit,
		Artifact: registry.Artifact(w.Artifact), Flavor: w.Flavor, Metrics: w.Metrics, Params: w.Params}
	if w.Created != "" {
		if t, err := time.Parse(time.RFC3339Nano, w.Created); err == nil {
			v.Created = t
		}
	}
	return v, nil
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
