package forge

import (
	"fmt"
	"log/slog"
	"strings"
)

// Environment variables GitHub Actions sets, read by SettingsFromEnv.
const (
	EnvToken      = "GITHUB_TOKEN"
	EnvAPIURL     = "GITHUB_API_URL"    // default https://api.github.com
	EnvRepository = "GITHUB_REPOSITORY" // owner/repo
)

// Settings say how to reach a repository's GitHub API. Every command and
// the controller build their one Client from them with Connect.
type Settings struct {
	// Token is the GitHub token; without it there is no Client.
	Token string
	// BaseURL is the API root (see Options.BaseURL); "" is github.com.
	BaseURL string
	// Repository is "owner/repo", for a remote URL that does not name a
	// GitHub repository (a local path, a mirror).
	Repository string
}

// SettingsFromEnv reads Settings from the variables GitHub Actions sets.
func SettingsFromEnv(getenv func(string) string) Settings {
	return Settings{Token: getenv(EnvToken), BaseURL: getenv(EnvAPIURL), Repository: getenv(EnvRepository)}
}

// repoOf is the GitHub repository of remote: the one its URL names (on
// github.com, or on the host of BaseURL for GitHub Enterprise), else
// Repository. ok is false when neither names one: the remote is not on
// GitHub.
func (s Settings) repoOf(remote string) (owner, repo string, ok bool) {
	if owner, repo, ok = ParseRemoteWithBase(remote, s.BaseURL); ok {
		return owner, repo, true
	}
	owner, repo, ok = strings.Cut(s.Repository, "/")
	if !ok || owner == "" || repo == "" {
		return "", "", false
	}
	return owner, repo, true
}

// Connect is the Client of remote's GitHub repository (repoOf) with the
// token of s. Without a GitHub repository or without a token it returns
// nil and the reason, for people: the caller then works without GitHub.
func Connect(s Settings, remote string, log *slog.Logger) (*Client, string, error) {
	owner, repo, ok := s.repoOf(remote)
	if !ok {
		return nil, "the remote is not on GitHub", nil
	}
	if s.Token == "" {
		return nil, fmt.Sprintf("%s is not set, so no pull request for %s/%s", EnvToken, owner, repo), nil
	}
	c, err := New(Options{BaseURL: s.BaseURL, Token: s.Token, Owner: owner, Repo: repo, Logger: log})
	if err != nil {
		return nil, "", fmt.Errorf("github %s/%s: %w", owner, repo, err)
	}
	return c, "", nil
}
