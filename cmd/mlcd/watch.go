package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlcd-dev/mlcd/controller"
	"github.com/mlcd-dev/mlcd/forge"
	"github.com/mlcd-dev/mlcd/gitstore"
	"github.com/mlcd-dev/mlcd/pipeline"
	"github.com/mlcd-dev/mlcd/store"
	"github.com/mlcd-dev/mlcd/watcher"
)

// controllerOptions are the flags shared by `mlcd watch` and
// `mlcd run --once`.
type controllerOptions struct {
	repo     string
	branch   string
	state    string
	store    string
	jobs     int
	botName  string
	botEmail string
}

func (co *controllerOptions) addFlags(cmd *cobra.Command) {
	co.addRepoFlags(cmd)
	cmd.Flags().IntVarP(&co.jobs, "jobs", "j", 0, "tasks running at once (default: the number of CPUs)")
}

// addRepoFlags adds the flags that say which repository and where to keep
// state, without --jobs (which `mlcd run` has already).
func (co *controllerOptions) addRepoFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&co.repo, "repo", "", "the repository to follow: a path, file://, https:// or ssh URL")
	f.StringVar(&co.branch, "branch", "main", "the branch to follow")
	f.StringVar(&co.state, "state", "", "the state folder (default: under $XDG_STATE_HOME/mlcd)")
	f.StringVar(&co.store, "store", "", "the artifact store (default: $MLCD_STORE, else store: in mlcd.yaml, else ~/.local/share/mlcd/store)")
	f.StringVar(&co.botName, "bot-name", gitstore.DefaultBot.Name, "author name of mlcd's commits")
	f.StringVar(&co.botEmail, "bot-email", gitstore.DefaultBot.Email, "author email of mlcd's commits")
}

func (co *controllerOptions) config(opts *globalOptions, out io.Writer) (controller.Config, error) {
	if co.repo == "" {
		return controller.Config{}, badInput(fmt.Errorf("--repo is required"))
	}
	if co.jobs < 0 {
		return controller.Config{}, badInput(fmt.Errorf("--jobs %d: must be at least 1", co.jobs))
	}
	state := co.state
	if state == "" {
		var err error
		if state, err = controller.DefaultStateDir(co.repo, co.branch); err != nil {
			return controller.Config{}, err
		}
	}
	log := newLogger(opts)
	st, defaultStore, err := controllerStores(co.store, state, os.Getenv, log)
	if err != nil {
		return controller.Config{}, err
	}
	gh := forge.SettingsFromEnv(os.Getenv) // the names GitHub Actions sets
	return controller.Config{
		URL:      co.repo,
		Branch:   co.branch,
		StateDir: state,
		Store:    st,
		// store: in mlcd.yaml comes between Store and DefaultStore.
		DefaultStore: defaultStore,
		Jobs:         co.jobs,
		Bot:          gitstore.Signature{Name: co.botName, Email: co.botEmail},
		Output:       out,
		Logger:       log,
		Env:          selfOnPath(),
		// GitHub's API for the merge gate, commit statuses and promotion
		// pull requests.
		GitHubToken:   gh.Token,
		GitHubBaseURL: gh.BaseURL,
		GitHubRepo:    gh.Repository,
	}, nil
}

type watchOptions struct {
	controllerOptions
	local    string
	interval time.Duration
	listen   string
	shutdown string
	endpoint string
	maxBody  string
}

func newWatchCommand(opts *globalOptions) *cobra.Command {
	wo := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch --repo URL | --local DIR",
		Short: "Follow a repository: run the pipeline on every change, record and push the results",
		Long: `Follow one branch of a repository. The controller keeps a clone in its state
folder, polls the remote (one listing of its refs when nothing changed), polls
at once on a signed GitHub push webhook (POST /hooks/github on --listen, secret
in $MLCD_WEBHOOK_SECRET), and ticks on the pipeline's schedule:. A commit that
changes a path of on.paths queues a run of exactly that commit; a newer commit
replaces a queued one. Each run's record, and the model versions it registers,
are committed by the bot and pushed, never forced. Commits that only touch
runs/, models/ or deployments/ start nothing.

With --local DIR, mlcd watches a working tree instead: saving a file that
on.paths matches runs the pipeline there, writes the record under DIR/runs/
and new versions under DIR/models/ as mlcd run does, and commits nothing.

On SIGTERM or Ctrl-C, --shutdown=wait lets the run in progress finish and
records it; --shutdown=cancel stops its tasks and records it cancelled.

The Production version of each model that passed the merge gate
(deploy.require) is served on one stable endpoint (deploy.listen, by default
127.0.0.1:1234) with the 'mlflow models serve' protocol: a newly merged
promotion is started beside the old version, health-checked, switched to,
and the old one drained; a version that fails is rolled back and recorded in
deployments/<model>.yaml.

` + store.Rule + `
The models served are read from there.`,
		Example: `  mlcd watch --repo https://github.com/acme/churn.git --interval 1m
  mlcd watch --repo /srv/git/churn.git --listen 127.0.0.1:8080
  MLCD_WEBHOOK_SECRET=... mlcd watch --repo git@github.com:acme/churn.git --listen :8080
  mlcd watch --local .`,
		Args: badArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWatch(cmd.Context(), opts, wo, opts.stdout)
		},
	}
	wo.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&wo.local, "local", "", "watch this working tree instead of a repository (development mode)")
	f.DurationVar(&wo.interval, "interval", 30*time.Second, "how often to poll the remote")
	f.StringVar(&wo.listen, "listen", "", "address for the webhook and GET /status (e.g. 127.0.0.1:8080)")
	f.StringVar(&wo.shutdown, "shutdown", controller.ShutdownWait, "on SIGTERM: wait for the run in progress, or cancel it")
	f.StringVar(&wo.endpoint, "endpoint", "", "the model endpoint's address (default: deploy.listen of mlcd.yaml, else 127.0.0.1:1234); off serves no models")
	addMaxBodyFlag(cmd, &wo.maxBody)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return badInput(err) })
	return cmd
}

func runWatch(ctx context.Context, opts *globalOptions, wo *watchOptions, out io.Writer) error {
	if wo.local != "" {
		if wo.repo != "" {
			return badInput(fmt.Errorf("--local and --repo: give one"))
		}
		return runWatchLocal(ctx, opts, wo, out)
	}
	if wo.repo == "" {
		return badInput(fmt.Errorf("give the repository to follow (--repo URL_OR_PATH) or a working tree (--local DIR)"))
	}
	cfg, err := wo.config(opts, out)
	if err != nil {
		return err
	}
	if wo.interval <= 0 {
		return badInput(fmt.Errorf("--interval %s: must be positive", wo.interval))
	}
	cfg.Interval, cfg.Listen, cfg.Shutdown = wo.interval, wo.listen, wo.shutdown
	cfg.WebhookSecret = os.Getenv(watcher.SecretEnv)
	if cfg.Shutdown != controller.ShutdownWait && cfg.Shutdown != controller.ShutdownCancel {
		return badInput(fmt.Errorf("--shutdown %q: want wait or cancel", cfg.Shutdown))
	}
	c, err := controller.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if wo.endpoint != "off" {
		eps, err := startDeployments(ctx, c, wo.endpoint, wo.maxBody, out)
		if err != nil {
			return err
		}
		defer func() { _ = eps.Close(ctx) }()
	}
	fmt.Fprintf(out, "mlcd: watching %s (%s) every %s; state in %s\n", wo.repo, cfg.Branch, cfg.Interval, cfg.StateDir)
	return c.Watch(ctx)
}

func runWatchLocal(ctx context.Context, opts *globalOptions, wo *watchOptions, out io.Writer) error {
	dir, err := filepath.Abs(wo.local)
	if err != nil {
		return err
	}
	p, err := pipeline.Load(dir)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, wo.store, dir, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mlcd: watching %s; save a file of on.paths to run pipeline %s\n", dir, p.Name)
	return controller.WatchLocal(ctx, controller.LocalConfig{
		Dir: dir, Store: st, Jobs: wo.jobs, Env: selfOnPath(), Output: out, Logger: newLogger(opts),
		OnRun: func(r *pipeline.Run) {
			printSummary(out, dir, r)
			if err := registerLocal(out, dir, r); err != nil {
				fmt.Fprintf(out, "register: %v\n", err)
			}
		},
	})
}
