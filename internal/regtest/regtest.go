// Package regtest writes model versions into a test repository the way
// mlcd registers them: the run record and the version file together,
// trained on a commit whose mlcd.yaml declares the task's model block, so
// that the merge gate's seal holds. It is for tests only.
package regtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/mlcd-dev/mlcd/internal/gittest"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// Version describes one registration.
type Version struct {
	Model     string
	N         int
	Stage     registry.Stage // "" is None
	Pipeline  string         // "" is demo
	Task      string         // "" is train
	File      string         // "" is model.json
	Flavor    string         // "" is xgboost
	Serve     string
	SHA256    string // "" is a made-up digest from N
	Size      int64
	TrainedOn string // the commit whose mlcd.yaml declares the task
}

func (v Version) withDefaults() Version {
	if v.Stage == "" {
		v.Stage = registry.StageNone
	}
	if v.Pipeline == "" {
		v.Pipeline = "demo"
	}
	if v.Task == "" {
		v.Task = "train"
	}
	if v.File == "" {
		v.File = "model.json"
	}
	if v.Flavor == "" {
		v.Flavor = pipeline.FlavorXGBoost
	}
	if v.SHA256 == "" {
		v.SHA256 = strings.Repeat(string(rune('0'+v.N%10)), 64)
		v.Size = 1234
	}
	return v
}

// Spec is the task's model block as mlcd.yaml declares it, in flow style.
func (v Version) Spec() string {
	v = v.withDefaults()
	s := fmt.Sprintf("{name: %s, file: %s, flavor: %s", v.Model, v.File, v.Flavor)
	if v.Serve != "" {
		s += fmt.Sprintf(", serve: %q", v.Serve)
	}
	return s + "}"
}

// Run is the run record that registered v.
func (v Version) Run() *pipeline.Run {
	v = v.withDefaults()
	end := time.Date(2026, 11, 26, 23, 34, 0, 0, time.UTC).Add(time.Duration(v.N) * time.Second)
	return &pipeline.Run{
		Schema: 1, ID: fmt.Sprintf("20261126T%s.000Z-%s%03d", end.Format("150405"), "ab", v.N), Pipeline: v.Pipeline,
		Trigger: pipeline.Trigger{Kind: "push"}, Git: &pipeline.GitInfo{Commit: v.TrainedOn, Branch: "main"},
		Status: pipeline.StatusSuccess, Start: end.Add(-time.Second), End: end,
		Tasks: []*pipeline.TaskRecord{{
			Name: v.Task, Status: pipeline.StatusSuccess, Start: end.Add(-time.Second), End: end,
			Outputs: []pipeline.Output{{Path: v.File, SHA256: v.SHA256, Size: v.Size}},
			Metrics: map[string]float64{"f1": 0.8},
			Model:   &pipeline.ModelSpec{Name: v.Model, File: v.File, Flavor: v.Flavor, Serve: v.Serve},
		}},
	}
}

// VersionFile is the version file as mlcd registered it, at stage st.
func (v Version) VersionFile(st registry.Stage) string {
	v = v.withDefaults()
	reg, err := registry.Registered(v.Run(), v.Task)
	if err != nil {
		panic(err) // the fixture is built to register
	}
	reg.Version, reg.Stage = v.N, st
	return string(registry.Marshal(reg))
}

// Write puts v's run record and version file in p's work tree, to be
// committed together.
func Write(p *gittest.Clone, v Version) {
	v = v.withDefaults()
	r := v.Run()
	data, err := pipeline.MarshalRun(r)
	if err != nil {
		panic(err)
	}
	p.Write(pipeline.RunRelPath(r.Pipeline, r.ID), string(data))
	p.Write(registry.VersionPath(v.Model, v.N), v.VersionFile(v.Stage))
}
