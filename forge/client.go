package forge

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/mlcd-dev/mlcd/internal/backoff"
)

// DefaultBaseURL is github.com's API.
const DefaultBaseURL = "https://api.github.com/"

// Options configure a Client.
type Options struct {
	// BaseURL is the API root: https://api.github.com/ (the default) or, for
	// GitHub Enterprise Server, https://HOST/api/v3/ ("https://HOST" alone
	// gets /api/v3/ appended).
	BaseURL string
	// Token is a GitHub token (Settings.Token). It is sent as
	// "Authorization: Bearer", never logged and never put in an error.
	Token string
	// Owner and Repo name the repository, as ParseRemote returns them.
	Owner, Repo string
	// HTTPClient carries the requests; default http.DefaultClient's transport
	// with a 30 s timeout. It is not modified.
	HTTPClient *http.Client
	// Logger gets one debug line per request and a warning per retry.
	Logger *slog.Logger
	// MaxRetries is how many times a request is retried; 0 means 4, and a
	// negative value disables retries.
	MaxRetries int
	// MaxWait caps one wait between retries; a rate limit that resets later
	// than that is returned at once as ErrRateLimited. Default one minute.
	MaxWait time.Duration
}

// Client talks to one repository on GitHub. It is safe for concurrent use.
type Client struct {
	gh          *github.Client
	owner, repo string
	log         *slog.Logger
	retry       *retryTransport
}

// New returns a Client for opts.Owner/opts.Repo. It makes no request.
func New(opts Options) (*Client, error) {
	if !validName(opts.Owner, false) || !validName(opts.Repo, true) {
		return nil, fmt.Errorf("github repository %q/%q: %w: want owner and repository names", opts.Owner, opts.Repo, ErrBadArgument)
	}
	base, err := apiBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	log = log.With("component", "forge", "repo", opts.Owner+"/"+opts.Repo)
	rt := &retryTransport{
		next: http.DefaultTransport, maxRetries: opts.MaxRetries, maxWait: opts.MaxWait,
		baseDelay: 500 * time.Millisecond, log: log, now: time.Now, sleep: backoff.Sleep,
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if opts.HTTPClient != nil {
		copied := *opts.HTTPClient
		hc = &copied
	}
	if hc.Transport != nil {
		rt.next = hc.Transport
	}
	hc.Transport = rt
	switch {
	case rt.maxRetries == 0:
		rt.maxRetries = 4
	case rt.maxRetries < 0:
		rt.maxRetries = 0
	}
	if rt.maxWait <= 0 {
		rt.maxWait = time.Minute
	}
	gh := github.NewClient(hc)
	if opts.Token != "" {
		gh = gh.WithAuthToken(opts.Token)
	}
	gh.BaseURL = base
	gh.UserAgent = "mlcd"
	return &Client{gh: gh, owner: opts.Owner, repo: opts.Repo, log: log, retry: rt}, nil
}

// apiBaseURL validates raw and gives it a trailing slash; a bare GitHub
// Enterprise host gets the /api/v3/ path.
func apiBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		return nil, fmt.Errorf("github base URL: %w: credentials in the URL; use the token", ErrBadArgument)
	}
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("github base URL %q: %w: want https://api.github.com/ or https://HOST/api/v3/", raw, ErrBadArgument)
	}
	if (u.Path == "" || u.Path == "/") && !strings.EqualFold(u.Hostname(), "api.github.com") {
		u.Path = "/api/v3/"
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// Repo returns "owner/repo".
func (c *Client) Repo() string { return c.owner + "/" + c.repo }

// PR is a pull request as the merge gate and promotion need it.
type PR struct {
	Number         int
	Title          string
	Body           string
	State          string // "open" or "closed"
	Merged         bool
	MergeCommitSHA string
	HeadRef        string
	HeadSHA        string
	BaseRef        string
	Author         string
	URL            string // the web page
}

func toPR(p *github.PullRequest) *PR {
	return &PR{
		Number:         p.GetNumber(),
		Title:          p.GetTitle(),
		Body:           p.GetBody(),
		State:          p.GetState(),
		Merged:         p.GetMerged() || p.MergedAt != nil,
		MergeCommitSHA: p.GetMergeCommitSHA(),
		HeadRef:        p.GetHead().GetRef(),
		HeadSHA:        p.GetHead().GetSHA(),
		BaseRef:        p.GetBase().GetRef(),
		Author:         p.GetUser().GetLogin(),
		URL:            p.GetHTMLURL(),
	}
}
