package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mlcd-dev/mlcd/deploy/command"
	"github.com/mlcd-dev/mlcd/deploy/lightgbm"
	"github.com/mlcd-dev/mlcd/deploy/scoring"
	"github.com/mlcd-dev/mlcd/deploy/xgboost"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// start loads or launches v's model from the file at path.
func (d *Deployer) start(ctx context.Context, v *registry.Version, path, commit string) (*instance, error) {
	in := &instance{
		model:   v.Model,
		version: v,
		digest:  v.Artifact.SHA256,
		series:  d.metrics.seriesOf(v.Model, strconv.Itoa(v.Version)),
	}
	var err error
	switch v.Flavor {
	case pipeline.FlavorXGBoost:
		err = d.startXGBoost(ctx, in, path)
	case pipeline.FlavorLightGBM:
		err = d.startLightGBM(ctx, in, path)
	case pipeline.FlavorCommand:
		err = d.startCommand(ctx, in, path, commit)
	default:
		err = fmt.Errorf("flavor %q cannot be served (want %s, %s or %s)", v.Flavor,
			pipeline.FlavorXGBoost, pipeline.FlavorLightGBM, pipeline.FlavorCommand)
	}
	if err != nil {
		return nil, err
	}
	return in, nil
}

func (d *Deployer) startXGBoost(ctx context.Context, in *instance, path string) error {
	m, err := xgboost.Load(ctx, path)
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	in.handler = scoring.Handler(m.WithVersion(in.versionLabel()), scoring.Options{Logger: d.log})
	return nil
}

func (d *Deployer) startLightGBM(ctx context.Context, in *instance, path string) error {
	m, err := lightgbm.Load(ctx, path)
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	in.handler = scoring.Handler(m.WithVersion(in.versionLabel()), scoring.Options{Logger: d.log})
	return nil
}

func (d *Deployer) startCommand(ctx context.Context, in *instance, path, commit string) error {
	if in.version.Serve == "" {
		return fmt.Errorf("flavor command: version %d has no serve command", in.version.Version)
	}
	// Serve with the code the version was trained with: the commit is
	// sealed in the version, while the promotion's commit also holds
	// whatever else reached the branch before the merge.
	if in.version.Commit != "" {
		commit = in.version.Commit
	}
	dir := d.cfg.WorkDir
	if d.cfg.Checkout != nil {
		var err error
		if dir, err = d.cfg.Checkout(ctx, commit); err != nil {
			return fmt.Errorf("check out %s for the serve command: %w", commit, err)
		}
	}
	logPath := filepath.Join(filepath.Dir(path), "server.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	srv, err := command.Start(ctx, command.Config{
		Command:      in.version.Serve,
		Model:        path,
		Dir:          dir,
		Env:          d.cfg.Env,
		Output:       logf,
		StartTimeout: d.cfg.StartTimeout,
		MinBackoff:   d.cfg.MinBackoff,
		Logger:       d.log.With("model", in.model, "version", in.version.Version),
	})
	if err != nil {
		logf.Close()
		return err
	}
	in.handler = srv
	in.stopFn = func(ctx context.Context) error {
		defer logf.Close()
		return srv.Stop(ctx)
	}
	return nil
}
