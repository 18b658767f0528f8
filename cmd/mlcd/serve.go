package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/deploy"
	"github.com/mlcd-dev/mlcd/internal/httplimit"
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
	st, err := existingStore(so.store, dir, os.Getenv)
	if err != nil {
		return badInput(fmt.Errorf("serve %s v%d: %w", v.Model, v.Version, err))
	}
	if !st.Has(v.Artifact.SHA256) {
		return badInput(fmt.Errorf("serve %s v%d: its artifact %s (%.12s) is not in the artifact store %s: serve from the store the run that trained it used (--store or %s)",
			v.Model, v.Version, v.Artifact.File, v.Artifact.SHA256, st.Root(), store.EnvStore))
	}
	deployDir, err := os.MkdirTemp("", "mlcd-serve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(deployDir)
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
	return serveGateway(ctx, ln, d, log, func(ctx context.Context) error {
		if _, err := d.Deploy(ctx, v, ""); err != nil {
			return err
		}
		fmt.Fprintf(out, "mlcd: serving %s v%d (%s) on http://%s\n", v.Model, v.Version, v.Flavor, ln.Addr())
		return nil
	})
}

// endpointServer is the http.Server of a model endpoint: timeouts long
// enough for a large body and a slow prediction, short enough that slow
// or silent clients cannot keep connections open for ever.
func endpointServer(h http.Handler, log *slog.Logger) *http.Server {
	return httplimit.Server(h, httplimit.Timeouts{}, httplimit.Scoring, slog.NewLogLogger(log.Handler(), slog.LevelWarn))
}

// serveGateway serves d's gateway on ln, runs start, and serves until ctx
// is done or start fails; then it shuts the server down and stops every
// model.
func serveGateway(ctx context.Context, ln net.Listener, d *deploy.Deployer, log *slog.Logger, start func(context.Context) error) error {
	srv := endpointServer(d.Handler(), log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	err := start(ctx)
	if err == nil {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case err = <-errc:
		}
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return errors.Join(err, d.Close(sctx))
}

// resolveVersion finds MODEL[@VERSION|@STAGE|@ALIAS] in dir's registry.
func resolveVersion(dir, spec string) (*registry.Version, error) {
	name, sel, _ := strings.Cut(spec, "@")
	if name == "" {
		return nil, badInput(fmt.Errorf("%q: want MODEL[@VERSION|@STAGE|@ALIAS]", spec))
	}
	reg, err := registry.Load(os.DirFS(dir))
	if reg == nil {
		return nil, err
	}
	m := reg.Model(name)
	ownProblems := err != nil && strings.Contains(err.Error(), registry.Dir+"/"+name+"/")
	if m == nil && ownProblems {
		return nil, err // its version files are there but do not parse
	}
	if m == nil {
		return nil, badInput(fmt.Errorf("no model %q under %s (models: %s)", name,
			filepath.Join(dir, registry.Dir), strings.Join(modelNames(reg), ", ")))
	}
	v := pickVersion(m, sel)
	if v == nil {
		if ownProblems {
			return nil, err // maybe the wanted file does not parse
		}
		if sel == "" {
			sel = "Production"
		}
		return nil, badInput(fmt.Errorf("model %s has no version %q", name, sel))
	}
	return v, nil
}

func pickVersion(m *registry.Model, sel string) *registry.Version {
	if sel == "" {
		return m.Production()
	}
	if n, err := strconv.Atoi(strings.TrimPrefix(sel, "v")); err == nil {
		return m.Version(n)
	}
	if st, err := registry.ParseStage(sel); err == nil {
		for i := len(m.Versions) - 1; i >= 0; i-- {
			if m.Versions[i].Stage == st {
				return m.Versions[i]
			}
		}
		return nil
	}
	return m.Alias(sel)
}

func modelNames(reg *registry.Registry) []string {
	var out []string
	for _, m := range reg.Models() {
		out = append(out, m.Name)
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
