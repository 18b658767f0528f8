package promotion

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/mlcd-dev/mlcd/forge"
)

// Environment variables GitHub Actions sets, read by GitHub.
const (
	EnvToken      = "GITHUB_TOKEN"
	EnvAPIURL     = "GITHUB_API_URL"    // default https://api.github.com
	EnvRepository = "GITHUB_REPOSITORY" // owner/repo
)

// GitHub returns a client for the GitHub repository of remote (a github.com
// URL, or one on the host of GITHUB_API_URL for GitHub Enterprise), else
// of GITHUB_REPOSITORY, with the token of GITHUB_TOKEN. It returns nil and
// the reason when there is no GitHub repository or no token: the caller
// then works without pull requests.
func GitHub(remote string, getenv func(string) string, log *slog.Logger) (*forge.Client, string, error) {
	base := getenv(EnvAPIURL)
	owner, repo, ok := forge.ParseRemoteWithBase(remote, base)
	if !ok {
		if owner, repo, ok = strings.Cut(getenv(EnvRepository), "/"); !ok || owner == "" || repo == "" {
			return nil, "the remote is not on GitHub", nil
		}
	}
	token := getenv(EnvToken)
	if token == "" {
		return nil, fmt.Sprintf("%s is not set, so no pull request for %s/%s", EnvToken, owner, repo), nil
	}
	c, err := forge.New(forge.Options{BaseURL: base, Token: token, Owner: owner, Repo: repo, Logger: log})
	if err != nil {
		return nil, "", fmt.Errorf("github %s/%s: %w", owner, repo, err)
	}
	return c, "", nil
}
