package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// A version file is sealed when mlcd registers it: every field but Stage,
// Aliases and Description is what the run record says the task produced,
// and stays so. The merge gate and the deployer compare a version with its
// registration (docs/security.md), never trust the tip's copy alone.

// SealDiff returns the sealed fields (their keys in the file) whose values
// differ between a and b, in file order; none when b may stand for a.
func SealDiff(a, b *Version) []string {
	la := bytes.Split(Marshal(sealed(a)), []byte("\n"))
	lb := bytes.Split(Marshal(sealed(b)), []byte("\n"))
	keysA, keysB := sealKeys(la), sealKeys(lb)
	var out []string
	seen := map[string]bool{}
	for _, k := range slices.Concat(keyOrder(la), keyOrder(lb)) {
		if seen[k] {
			continue
		}
		seen[k] = true
		if !slices.Equal(keysA[k], keysB[k]) {
			out = append(out, k)
		}
	}
	return out
}

// sealed is v without the fields people may change, its whole-number
// params as integers: a run record (JSON) holds 10 where the version file
// written from the same run holds 10 or 10.0.
func sealed(v *Version) *Version {
	c := *v
	c.Stage, c.Aliases, c.Description = StageNone, nil, ""
	if len(v.Params) > 0 {
		c.Params = make(pipeline.Params, len(v.Params))
		for k, x := range v.Params {
			if f, ok := x.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				x = int64(f)
			}
			c.Params[k] = x
		}
	}
	return &c
}

// sealKeys groups a version file's lines by the top-level key they belong to.
func sealKeys(lines [][]byte) map[string][]string {
	out := map[string][]string{}
	key := ""
	for _, l := range lines {
		if len(l) > 0 && l[0] != ' ' && l[0] != '-' && l[0] != '#' {
			k, _, _ := strings.Cut(string(l), ":")
			key = k
		}
		out[key] = append(out[key], string(l))
	}
	return out
}

func keyOrder(lines [][]byte) []string {
	var out []string
	for _, l := range lines {
		if len(l) > 0 && l[0] != ' ' && l[0] != '-' && l[0] != '#' {
			k, _, _ := strings.Cut(string(l), ":")
			out = append(out, k)
		}
	}
	return out
}

// Registered returns the version that task of run registers, as Register
// writes it but without its number: what a sealed version file must hold.
// For an MLflow model folder the artifact is the folder's manifest, and
// the flavor, which registration reads from the folder's MLmodel file in
// the store, is "" unless mlcd.yaml names it.
func Registered(run *pipeline.Run, task string) (*Version, error) {
	t := run.Task(task)
	switch {
	case t == nil:
		return nil, fmt.Errorf("run %s has no task %s", run.ID, task)
	case t.Model == nil:
		return nil, fmt.Errorf("run %s: task %s declares no model", run.ID, task)
	case t.Status != pipeline.StatusSuccess:
		return nil, fmt.Errorf("run %s: task %s did not succeed (%s)", run.ID, task, t.Status)
	}
	if out := t.Output(t.Model.File); out != nil {
		return versionOf(run, t, Artifact{File: out.Path, SHA256: out.SHA256, Size: out.Size}, t.Model.Flavor), nil
	}
	manifest, total, err := FolderManifest(t, t.Model.File)
	if err != nil || manifest == nil {
		return nil, fmt.Errorf("run %s: model file %q of task %s is not among its outputs", run.ID, t.Model.File, task)
	}
	sum := sha256.Sum256(manifest)
	flavor := t.Model.Flavor
	if flavor == pipeline.FlavorMLflow {
		flavor = ""
	}
	return versionOf(run, t, Artifact{File: t.Model.File, SHA256: hex.EncodeToString(sum[:]), Size: total}, flavor), nil
}

// versionOf is the version task t of run registers for its model artifact
// art, served as flavor.
func versionOf(run *pipeline.Run, t *pipeline.TaskRecord, art Artifact, flavor string) *Version {
	v := &Version{
		Schema:       Schema,
		Model:        t.Model.Name,
		Stage:        StageNone,
		RunID:        run.ID,
		Pipeline:     run.Pipeline,
		Task:         t.Name,
		Artifact:     art,
		Flavor:       flavor,
		Serve:        t.Model.Serve,
		InputExample: t.Model.InputExample,
		Metrics:      maps.Clone(t.Metrics),
		Params:       mergeParams(run.Params, t.Params),
		Created:      created(run, t),
	}
	if run.Git != nil {
		v.Commit = run.Git.Commit
	}
	return v
}
