package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/internal/tempdir"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/registry"
	"github.com/mlcd-dev/mlcd/store"
)

type serveOptions struct {
	repo    string
	store   string
	host    string
	port    int
	maxBody string
	digest  string
}

func newServeCommand(opts *globalOptions) *cobra.Command {
	so := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve MODEL[@VERSION|@STAGE|@ALIAS]",
		Short: "Serve one model version on a port, as `mlflow models serve` does",
		Long: `Serve one version of a model from a working tree's registry (models/) and the
artifact store, for debugging and for containers. The version is picked
by number (churn@3 or churn@v3), stage (churn@Production, the default;
churn@Staging) or alias (churn@champion).

The endpoint speaks the scoring protocol of 'mlflow models serve':
POST /invocations, GET /ping, /health, /version, and /metrics. /ping answers
503 until the version passed its health check (/ping, then a prediction on
its input example when it has one). It serves until Ctrl-C or SIGTERM.

` + store.Rule + `

Exit status: 0 stopped by a signal, 1 the version failed to start,
3 bad arguments, no such model or version, or its artifact not in the store.`,
		Example: `  mlcd serve churn-xgb
  mlcd serve churn-rf@2 --port 5001
  mlcd serve churn-xgb@champion --repo ../churn --host 0.0.0.0`,
		Args: badArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), opts, so, args[0], opts.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&so.repo, "repo", ".", "the working tree whose models/ and mlcd.yaml to read")
	f.StringVar(&so.store, "store", "", "the artifact store (default: see above)")
	f.StringVar(&so.host, "host", "127.0.0.1", "the address to listen on")
	f.IntVarP(&so.port, "port", "p", 1234, "the port to listen on")
	f.StringVar(&so.digest, "digest", "", "serve only if the version's model file has this sha256 (the manifests of deploy.target kubernetes pin it)")
	addMaxBodyFlag(cmd, &so.maxBody)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

func runServe(ctx context.Context, opts *globalOptions, so *serveOptions, spec string, out io.Writer) error {
	dir, err := filepath.Abs(so.repo)
	if err != nil {
		return err
	}
	v, err := resolveVersion(dir, spec)
	if err != nil {
		return err
	}
	if so.digest != "" && so.digest != v.Artifact.SHA256 {
		return badInput(fmt.Errorf("serve %s v%d: its model file's sha256 is %s, not --digest %s: refusing to serve another model than the one pinned",
			v.Model, v.Version, v.Artifact.SHA256, so.digest))
	}
	st, err := existingStore(ctx, so.store, dir, os.Getenv)
	if err != nil {
		return badInput(fmt.Errorf("serve %s v%d: %w", v.Model, v.Version, err))
	}
	if has, err := st.Has(ctx, v.Artifact.SHA256); err != nil {
		return fmt.Errorf("serve %s v%d: %w", v.Model, v.Version, err)
	} else if !has {
		return badInput(fmt.Errorf("serve %s v%d: its artifact %s (%.12s) is not in the artifact store %s: serve from the store the run that trained it used (--store or %s)",
			v.Model, v.Version, v.Artifact.File, v.Artifact.SHA256, st, store.EnvStore))
	}
	held, err := tempdir.New("", "mlcd-serve-") // also removes those of killed servers
	if err != nil {
		return err
	}
	defer held.Remove()
	deployDir := held.Path
	p, err := pipeline.Load(dir)
	if err != nil {
		p = &pipeline.Pipeline{} // serving needs no pipeline; its deploy: settings only
	}
	flavors, err := flavorOptions(p.Deploy, so.maxBody)
	if err != nil {
		return err
	}
	log := newLogger(opts)
	d, err := deploy.New(deploy.Config{
		Store: st, Dir: deployDir, WorkDir: dir, Logger: log,
		Example:       deploy.RunExamples(os.DirFS(dir), st),
		FlavorOptions: flavors,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(so.host, strconv.Itoa(so.port)))
	if err != nil {
		return err
	}
	return d.ServeOn(ctx, ln, func(ctx context.Context) error {
		if _, err := d.Deploy(ctx, v, ""); err != nil {
			return err
		}
		fmt.Fprintf(out, "mlcd: serving %s v%d (%s) on http://%s\n", v.Model, v.Version, v.Flavor, ln.Addr())
		return nil
	})
}

// resolveVersion finds MODEL[@VERSION|@STAGE|@ALIAS] in dir's registry; a
// spec that names nothing is the user's mistake.
func resolveVersion(dir, spec string) (*registry.Version, error) {
	v, err := registry.Resolve(dir, spec)
	if errors.Is(err, registry.ErrNotFound) {
		return nil, badInput(err)
	}
	return v, err
}
