package registry

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/layout"
	"github.com/mlcd-dev/mlcd/pipeline"
)

// Schema is the version of the registry file format (docs/registry.md).
const Schema = 1

// Dir is the folder of the registry in a repository:
// models/<model>/v<N>.yaml.
const Dir = layout.Models

// Stage is the lifecycle stage of a model version, with MLflow's names.
type Stage string

const (
	StageNone       Stage = "None"
	StageStaging    Stage = "Staging"
	StageProduction Stage = "Production"
	StageArchived   Stage = "Archived"
)

// Stages lists the valid stages in lifecycle order.
var Stages = []Stage{StageNone, StageStaging, StageProduction, StageArchived}

// ParseStage reads a stage name case-insensitively and returns its
// canonical spelling.
func ParseStage(s string) (Stage, error) {
	for _, st := range Stages {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("stage %q: want one of None, Staging, Production, Archived", s)
}

// Artifact is the model file of a version, stored content-addressed.
type Artifact struct {
	File   string // path inside the task's outputs, as model.file says
	SHA256 string // lowercase hex
	Size   int64
}

// Version is one registered model version: models/<model>/v<N>.yaml.
// Only Stage, Aliases and Description change after it is written.
type Version struct {
	Schema       int
	Model        string
	Version      int // from 1, never reused
	Stage        Stage
	Aliases      []string
	Description  string
	RunID        string
	Pipeline     string
	Task         string
	Commit       string // the git commit the run trained on
	Artifact     Artifact
	Flavor       string
	Serve        string // command flavor: with {model} and {port}
	InputExample string // output file with a scoring request, for health checks
	Metrics      map[string]float64
	Params       pipeline.Params
	Created      time.Time
}

// Path returns the file of v in a repository: models/<model>/v<N>.yaml.
func (v *Version) Path() string {
	return VersionPath(v.Model, v.Version)
}

// VersionPath returns models/<model>/v<n>.yaml.
func VersionPath(model string, n int) string {
	return path.Join(Dir, model, fmt.Sprintf("v%d.yaml", n))
}

// HasAlias reports whether v carries alias a.
func (v *Version) HasAlias(a string) bool {
	for _, x := range v.Aliases {
		if x == a {
			return true
		}
	}
	return false
}

// Model is a registered model and its versions, sorted by version number.
type Model struct {
	Name     string
	Versions []*Version
}

// Production returns the Production version of m with the highest number,
// or nil. After a deploy there is at most one; during a promotion there may
// briefly be two, and the newest is the one wanted.
func (m *Model) Production() *Version {
	for i := len(m.Versions) - 1; i >= 0; i-- {
		if m.Versions[i].Stage == StageProduction {
			return m.Versions[i]
		}
	}
	return nil
}

// Latest returns the version with the highest number, or nil.
func (m *Model) Latest() *Version {
	if len(m.Versions) == 0 {
		return nil
	}
	return m.Versions[len(m.Versions)-1]
}

// Version returns version n, or nil.
func (m *Model) Version(n int) *Version {
	for _, v := range m.Versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// Alias returns the version that carries alias a, or nil.
func (m *Model) Alias(a string) *Version {
	for _, v := range m.Versions {
		if v.HasAlias(a) {
			return v
		}
	}
	return nil
}
