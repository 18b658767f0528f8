package gate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// Seal is a version checked against its registration.
type Seal struct {
	// Registered is the version file as the commit that added it holds it,
	// with the stage, aliases and description of the copy checked: what a
	// deploy runs.
	Registered *registry.Version
	// At is the commit that registered the version.
	At string
	// Broken says why the version may not deploy; "" when the seal holds.
	Broken string
}

// VerifySeal checks v, as some commit on the branch at head holds it,
// against its registration: the first-parent commit that added its file
// must hold the run record that file names, the record's task must have
// produced exactly that version (digest, file, flavor, serve command, input
// example, metrics, params, run, commit), the task's model block must be
// the one mlcd.yaml had at the commit it trained on, and v may differ from
// the registered file only in stage, aliases and description. A broken seal
// is a Seal with Broken set; errors are failures to read the repository.
func VerifySeal(ctx context.Context, h History, head string, v *registry.Version) (Seal, error) {
	name := registry.VersionPath(v.Model, v.Version)
	what := fmt.Sprintf("%s v%d", v.Model, v.Version)
	changed, _, err := h.FirstParentChanges(ctx, head, "", name, 0)
	if err != nil {
		return Seal{}, fmt.Errorf("find the registration of %s: %w", what, err)
	}
	if len(changed) == 0 {
		return Seal{Broken: fmt.Sprintf("%s is not on the branch", name)}, nil
	}
	add := changed[len(changed)-1] // the oldest change is the one that added it
	s := Seal{At: add.Hash}
	if len(add.Parents) > 1 {
		s.Broken = fmt.Sprintf("%s was added by merge commit %s, not registered by mlcd on the branch", name, short(add.Hash))
		return s, nil
	}
	data, err := h.ReadFile(ctx, add.Hash, name)
	if err != nil {
		return s, fmt.Errorf("read %s at %s: %w", name, short(add.Hash), err)
	}
	reg, err := registry.Parse(name, data)
	if err != nil {
		s.Broken = fmt.Sprintf("%s as commit %s added it is invalid: %v", name, short(add.Hash), err)
		return s, nil
	}
	if s.Broken, err = checkRegistration(ctx, h, add.Hash, reg); err != nil || s.Broken != "" {
		return s, err
	}
	if diff := registry.SealDiff(reg, v); len(diff) > 0 {
		s.Broken = fmt.Sprintf("%s was edited after commit %s registered it: %s changed (only stage, aliases and description may change)",
			what, short(add.Hash), strings.Join(diff, ", "))
		return s, nil
	}
	r := *reg
	r.Stage, r.Aliases, r.Description = v.Stage, v.Aliases, v.Description
	s.Registered = &r
	return s, nil
}

// checkRegistration compares the version file a commit added with the run
// record the commit holds and with mlcd.yaml where the run trained.
func checkRegistration(ctx context.Context, h History, at string, reg *registry.Version) (string, error) {
	what := fmt.Sprintf("%s v%d", reg.Model, reg.Version)
	recPath := pipeline.RunRelPath(reg.Pipeline, reg.RunID)
	data, err := h.ReadFile(ctx, at, recPath)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("commit %s registered %s without its run record %s: mlcd did not record its training", short(at), what, recPath), nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s at %s: %w", recPath, short(at), err)
	}
	run, err := pipeline.DecodeRun(data)
	if err != nil {
		return fmt.Sprintf("run record %s at %s is invalid: %v", recPath, short(at), err), nil
	}
	want, err := registry.Registered(run, reg.Task)
	if err != nil {
		return fmt.Sprintf("%s does not match its run record: %v", what, err), nil
	}
	want.Version = reg.Version
	if want.Flavor == "" && reg.Flavor != pipeline.FlavorCommand {
		// An MLflow model folder's flavor came from its MLmodel file in
		// the store; either way mlcd itself loads the sealed artifact.
		want.Flavor = reg.Flavor
	}
	if diff := registry.SealDiff(want, reg); len(diff) > 0 {
		return fmt.Sprintf("%s as commit %s registered it does not match run %s: %s differ",
			what, short(at), run.ID, strings.Join(diff, ", ")), nil
	}
	return checkTrainedSpec(ctx, h, run, reg.Task)
}

// checkTrainedSpec holds the model block of a run's task to mlcd.yaml at
// the commit the run trained on: a serve command comes from the pipeline a
// person wrote, never from a record alone. A model the task registered
// without a model block (through the tracking API) may not be served by a
// command.
func checkTrainedSpec(ctx context.Context, h History, run *pipeline.Run, task string) (string, error) {
	var rec *pipeline.TaskRecord
	for _, t := range run.Tasks {
		if t.Name == task {
			rec = t
		}
	}
	if run.Git == nil || run.Git.Commit == "" {
		return fmt.Sprintf("run %s names no commit it trained on", run.ID), nil
	}
	data, err := h.ReadFile(ctx, run.Git.Commit, pipeline.FileName)
	if err != nil {
		return fmt.Sprintf("run %s trained on commit %s, whose %s cannot be read: %v", run.ID, short(run.Git.Commit), pipeline.FileName, err), nil
	}
	p, err := pipeline.Parse(pipeline.FileName, data)
	if err != nil || p == nil {
		return fmt.Sprintf("run %s trained on commit %s, whose %s is invalid", run.ID, short(run.Git.Commit), pipeline.FileName), nil
	}
	spec := p.Task(task)
	switch {
	case spec == nil:
		return fmt.Sprintf("run %s names task %s, which %s at %s does not have", run.ID, task, pipeline.FileName, short(run.Git.Commit)), nil
	case spec.Model == nil && rec.Model.Flavor == pipeline.FlavorCommand:
		return fmt.Sprintf("task %s registered a command-flavor model that %s at %s does not declare", task, pipeline.FileName, short(run.Git.Commit)), nil
	case spec.Model != nil && !reflect.DeepEqual(*spec.Model, *rec.Model):
		return fmt.Sprintf("the model block of task %s in run %s is not the one %s had at %s", task, run.ID, pipeline.FileName, short(run.Git.Commit)), nil
	}
	return "", nil
}
