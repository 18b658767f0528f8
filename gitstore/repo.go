package gitstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/storage"
)

// DefaultBot is the identity of the bot's commits.
var DefaultBot = Signature{Name: "mlcd-bot", Email: "mlcd-bot@users.noreply.mlcd.dev"}

// Options configures Open.
type Options struct {
	URL    string // the remote: a path, file://, http(s):// or ssh
	Branch string // the tracked branch; default "main"
	// Auth overrides the credentials derived from URL and the environment
	// (see EnvToken, EnvGitHubToken, EnvSSHKey).
	Auth transport.AuthMethod
	// Bot signs Publish's commits; When is ignored. Default DefaultBot.
	Bot Signature
	// PushAttempts bounds Publish's tries when the branch keeps moving;
	// default 8.
	PushAttempts int
	Logger       *slog.Logger
}

// Signature is a person or the bot, and when they acted.
type Signature struct {
	Name  string
	Email string
	When  time.Time
}

// CommitInfo describes one commit.
type CommitInfo struct {
	Hash      string
	Parents   []string
	Author    Signature
	Committer Signature
	Message   string
}

// Repo is a local bare clone that tracks one branch of one remote. Its
// methods are safe for concurrent use; Fetch and Publish run one at a time.
type Repo struct {
	dir      string
	branch   string
	track    plumbing.ReferenceName // refs/remotes/origin/<branch>
	bot      Signature
	attempts int
	log      *slog.Logger

	safeURL  string
	secrets  []string
	authHint string
	endpoint *transport.Endpoint
	auth     transport.AuthMethod
	client   transport.Transport

	op     sync.Mutex // serializes Fetch and Publish
	st     sync.Mutex // guards every access to repo's storage
	repo   *git.Repository
	remote *git.Remote
	cache  objectCache // trees and small blobs, by hash
}

// Open opens the bare clone in dir, or clones the remote into dir when dir
// is absent or empty. A remote whose branch does not exist yet is not an
// error: Publish creates the branch.
func Open(ctx context.Context, dir string, opts Options) (*Repo, error) {
	r, err := newRepo(dir, opts)
	if err != nil {
		return nil, err
	}
	if isBare(dir) {
		fixed, err := repairRefs(dir, r.branch)
		if err != nil {
			return nil, err
		}
		if len(fixed) > 0 {
			r.log.Warn("repaired refs a killed mlcd left broken; the fetch writes them again", "dir", dir, "refs", fixed)
		}
	}
	repo, err := openBare(dir)
	if err == nil {
		r.setRepo(repo)
		return r, nil
	}
	if !errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	if err := r.clone(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// openBare opens the clone in dir; a bare repository (the state clone)
// gets the storage that keeps its packs open.
func openBare(dir string) (*git.Repository, error) {
	if isBare(dir) {
		return git.Open(keepOpen(dir), nil)
	}
	return git.PlainOpen(dir)
}

func newRepo(dir string, opts Options) (*Repo, error) {
	if opts.URL == "" {
		return nil, errors.New("open repository: no remote URL")
	}
	if opts.Branch == "" {
		opts.Branch = "main"
	}
	if !plumbing.NewBranchReferenceName(opts.Branch).IsBranch() || opts.Branch != cleanBranch(opts.Branch) {
		return nil, fmt.Errorf("open repository: bad branch name %q", opts.Branch)
	}
	if opts.Bot.Name == "" || opts.Bot.Email == "" {
		opts.Bot = DefaultBot
	}
	if opts.PushAttempts <= 0 {
		opts.PushAttempts = 8
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	creds, err := authFor(opts.URL, os.Getenv)
	if err != nil {
		return nil, err
	}
	if opts.Auth != nil {
		creds.auth, creds.hint = opts.Auth, "check the credentials given to mlcd"
	}
	cl, err := client.NewClient(creds.endpoint)
	if err != nil {
		return nil, fmt.Errorf("remote %s: %w", creds.safeURL, err)
	}
	return &Repo{
		dir: dir, branch: opts.Branch, bot: opts.Bot, attempts: opts.PushAttempts,
		track:   plumbing.NewRemoteReferenceName("origin", opts.Branch),
		log:     opts.Logger.With("component", "gitstore", "remote", creds.safeURL, "branch", opts.Branch),
		safeURL: creds.safeURL, secrets: creds.secrets, authHint: creds.hint,
		endpoint: creds.endpoint, auth: creds.auth, client: cl,
	}, nil
}

// cleanBranch rejects names git would refuse in a ref.
func cleanBranch(b string) string {
	if err := plumbing.NewBranchReferenceName(b).Validate(); err != nil {
		return ""
	}
	return b
}

func (r *Repo) setRepo(repo *git.Repository) {
	r.repo = repo
	r.remote = git.NewRemote(repo.Storer, &config.RemoteConfig{
		Name: "origin",
		URLs: []string{r.endpoint.String()},
	})
}

// clone initializes a bare repository in dir and fetches the branch. On
// failure it removes what it created.
func (r *Repo) clone(ctx context.Context) error {
	created, err := prepareDir(r.dir)
	if err != nil {
		return err
	}
	repo, err := git.Init(keepOpen(r.dir), nil)
	if err == nil {
		r.setRepo(repo)
		err = r.setHead()
	}
	if err == nil {
		_, err = r.Fetch(ctx)
		if errors.Is(err, errNoBranch) {
			err = nil // an empty remote or a new branch: Publish creates it
		}
	}
	if err != nil {
		cleanup(r.dir, created)
		return fmt.Errorf("clone into %s: %w", r.dir, err)
	}
	r.log.Info("cloned", "dir", r.dir)
	return nil
}

func (r *Repo) setHead() error {
	head := plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.NewBranchReferenceName(r.branch))
	return r.repo.Storer.SetReference(head)
}

// prepareDir accepts an absent or empty dir and reports whether it created
// it.
func prepareDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return true, os.MkdirAll(dir, 0o755)
	case err != nil:
		return false, fmt.Errorf("clone into %s: %w", dir, err)
	case len(entries) > 0:
		return false, fmt.Errorf("clone into %s: directory is not empty and holds no repository", dir)
	}
	return false, nil
}

func cleanup(dir string, created bool) {
	if created {
		os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(dir + string(os.PathSeparator) + e.Name())
	}
}

// Dir returns the folder of the local bare clone.
func (r *Repo) Dir() string { return r.dir }

// storer is the repository's storage; callers hold r.st.
func (r *Repo) storer() storage.Storer { return r.repo.Storer }
