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
	"github.com/mlcd-dev/mlcd/deploy/sklearn"
	"github.com/mlcd-dev/mlcd/deploy/xgboost"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
)

// start loads or launches v's model from path: its model file, or the
// folder of an MLflow model.
func (d *Deployer) start(ctx context.Context, v *registry.Version, path, commit string) (*instance, error) {
	in := &instance{
		model:   v.Model,
		version: v,
		digest:  v.Artifact.SHA256,
		series:  d.metrics.seriesOf(v.Model, strconv.Itoa(v.Version)),
	}
	tg, err := targetOf(v, path)
	if err != nil {
		return nil, err
	}
	in.example = tg.example
	switch v.Flavor {
	case pipeline.FlavorXGBoost:
		err = d.startXGBoost(ctx, in, tg)
	case pipeline.FlavorLightGBM:
		err = d.startLightGBM(ctx, in, path)
	case pipeline.FlavorSklearn:
		err = d.startSklearn(ctx, in, tg, commit)
	case pipeline.FlavorCommand:
		err = d.startCommand(ctx, in, path, commit)
	default:
		err = fmt.Errorf("flavor %q cannot be served (want %s, %s, %s or %s)", v.Flavor,
			pipeline.FlavorXGBoost, pipeline.FlavorLightGBM, pipeline.FlavorSklearn, pipeline.FlavorCommand)
	}
	if err != nil {
		return nil, err
	}
	return in, nil
}

func (d *Deployer) startXGBoost(ctx context.Context, in *instance, tg *target) error {
	m, err := xgboost.Load(ctx, tg.file)
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	p, err := tg.wrap(m.WithVersion(in.versionLabel()), m.Objective())
	if err != nil {
		return err
	}
	in.handler = scoring.Handler(p, d.scoringOptions())
	return nil
}

// scoringOptions are the protocol settings of the flavors mlcd serves itself.
func (d *Deployer) scoringOptions() scoring.Options {
	return scoring.Options{
		MaxBodyBytes:  d.cfg.MaxBodyBytes,
		MLflowVersion: d.cfg.MLflowVersion,
		ServerVersion: d.cfg.ServerVersion,
		Logger:        d.log,
	}
}

func (d *Deployer) startLightGBM(ctx context.Context, in *instance, path string) error {
	m, err := lightgbm.Load(ctx, path)
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	in.handler = scoring.Handler(m.WithVersion(in.versionLabel()), d.scoringOptions())
	return nil
}

func (d *Deployer) startSklearn(ctx context.Context, in *instance, tg *target, commit string) error {
	dir, err := d.workDir(ctx, in, commit)
	if err != nil {
		return err
	}
	logf, err := openLog(tg.logDir)
	if err != nil {
		return err
	}
	var schema scoring.Schema
	if len(tg.inputs) > 0 {
		schema = scoring.NewSchema(tg.inputs)
	}
	m, err := sklearn.Start(ctx, sklearn.Config{
		Model:        tg.file,
		Method:       tg.method,
		Schema:       schema,
		Python:       d.cfg.Python,
		Dir:          dir,
		Env:          d.cfg.Env,
		Output:       logf,
		Workers:      d.cfg.Workers,
		MaxBatch:     d.cfg.MaxBatch,
		BatchWait:    d.cfg.BatchWait,
		Version:      in.versionLabel(),
		StartTimeout: d.cfg.StartTimeout,
		MinBackoff:   d.cfg.MinBackoff,
		Logger:       d.log.With("model", in.model, "version", in.version.Version),
	})
	if err != nil {
		logf.Close()
		return err
	}
	in.handler = scoring.Handler(m, d.scoringOptions())
	in.stopFn = func(ctx context.Context) error {
		defer logf.Close()
		return m.Stop(ctx)
	}
	return nil
}

// workDir is the working directory of a version's processes: a checkout
// of commit (or of the commit that trained it) when the deployer makes
// them, else WorkDir.
func (d *Deployer) workDir(ctx context.Context, in *instance, commit string) (string, error) {
	// The code the version was trained with: the commit is sealed in the
	// version, while the promotion's commit also holds whatever else
	// reached the branch before the merge.
	if in.version.Commit != "" {
		commit = in.version.Commit
	}
	if d.cfg.Checkout == nil {
		return d.cfg.WorkDir, nil
	}
	dir, err := d.cfg.Checkout(ctx, commit)
	if err != nil {
		return "", fmt.Errorf("check out %s for the model's processes: %w", commit, err)
	}
	return dir, nil
}

// openLog opens server.log in a version's deploy folder, for the output of
// the processes that serve it.
func openLog(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	return f, nil
}

func (d *Deployer) startCommand(ctx context.Context, in *instance, path, commit string) error {
	if in.version.Serve == "" {
		return fmt.Errorf("flavor command: version %d has no serve command", in.version.Version)
	}
	dir, err := d.workDir(ctx, in, commit)
	if err != nil {
		return err
	}
	logf, err := openLog(filepath.Dir(path))
	if err != nil {
		return err
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
