package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// maxExample bounds the input example read for a health check.
const maxExample = 8 << 20

// RunExamples returns a Config.Example that finds a version's input
// example in the record of the run that trained it (pipeline.RunRelPath in
// tree) and reads it from st, verified.
func RunExamples(tree fs.FS, st Store) func(ctx context.Context, v *registry.Version) ([]byte, error) {
	return func(ctx context.Context, v *registry.Version) ([]byte, error) {
		if v.InputExample == "" {
			return nil, nil
		}
		name := pipeline.RunRelPath(v.Pipeline, v.RunID)
		data, err := fs.ReadFile(tree, name)
		if errors.Is(err, fs.ErrNotExist) {
			// A record from before records were filed by month.
			name = path.Join(pipeline.RunsDir, v.Pipeline, v.RunID+".json")
			data, err = fs.ReadFile(tree, name)
		}
		if err != nil {
			return nil, fmt.Errorf("run record: %w", err)
		}
		run, err := pipeline.DecodeRun(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		t := run.Task(v.Task)
		if t == nil {
			return nil, fmt.Errorf("%s: no task %q", name, v.Task)
		}
		out := t.Output(v.InputExample)
		if out == nil {
			return nil, fmt.Errorf("%s: task %q has no output %q", name, v.Task, v.InputExample)
		}
		rc, err := st.Open(ctx, out.SHA256)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxExample+1))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", v.InputExample, err)
		}
		if len(b) > maxExample {
			return nil, fmt.Errorf("%s: larger than %d bytes", v.InputExample, maxExample)
		}
		return b, nil
	}
}
