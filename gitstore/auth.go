package gitstore

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// Environment variables that hold credentials.
const (
	EnvToken       = "MLCD_GIT_TOKEN" // an HTTPS token, sent as basic auth
	EnvGitHubToken = "GITHUB_TOKEN"   // used when MLCD_GIT_TOKEN is unset
	EnvSSHKey      = "MLCD_SSH_KEY"   // a private key file for ssh remotes
)

// tokenUser is the basic-auth user name sent with a token; GitHub accepts
// any name with a token, and this is the one its documentation uses.
const tokenUser = "x-access-token"

// credentials are what authFor derived from a remote URL and the
// environment.
type credentials struct {
	endpoint *transport.Endpoint // without user and password for http(s)
	auth     transport.AuthMethod
	hint     string // where credentials come from, for error messages
	safeURL  string // the URL with any password replaced by "xxxxx"
	secrets  []string
}

// authFor derives the endpoint and credentials of rawURL: file:// and plain
// paths need none; http(s) uses user:password from the URL, else a token from
// MLCD_GIT_TOKEN or GITHUB_TOKEN; ssh uses MLCD_SSH_KEY, else the ssh agent.
func authFor(rawURL string, getenv func(string) string) (*credentials, error) {
	ep, err := transport.NewEndpoint(rawURL)
	if err != nil {
		return nil, fmt.Errorf("remote url: %w", err)
	}
	c := &credentials{endpoint: ep, safeURL: redactURL(rawURL)}
	switch ep.Protocol {
	case "file":
		c.hint = "a local repository needs no credentials"
	case "http", "https":
		c.httpAuth(getenv)
	case "ssh":
		if err := c.sshAuth(getenv); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("remote url %s: unsupported protocol %q", c.safeURL, ep.Protocol)
	}
	return c, nil
}

func (c *credentials) httpAuth(getenv func(string) string) {
	ep := c.endpoint
	switch {
	case ep.User != "" || ep.Password != "":
		c.auth = &http.BasicAuth{Username: ep.User, Password: ep.Password}
		c.secrets = append(c.secrets, ep.Password)
		c.hint = "check the user and password in the remote URL"
	case getenv(EnvToken) != "":
		c.auth = &http.BasicAuth{Username: tokenUser, Password: getenv(EnvToken)}
		c.secrets = append(c.secrets, getenv(EnvToken))
		c.hint = "check the token in " + EnvToken
	case getenv(EnvGitHubToken) != "":
		c.auth = &http.BasicAuth{Username: tokenUser, Password: getenv(EnvGitHubToken)}
		c.secrets = append(c.secrets, getenv(EnvGitHubToken))
		c.hint = "check the token in " + EnvGitHubToken + " (or set " + EnvToken + ")"
	default:
		c.hint = "set " + EnvToken + " or " + EnvGitHubToken + " to a token that can read and push"
	}
	stripped := *ep
	stripped.User, stripped.Password = "", ""
	c.endpoint = &stripped
}

func (c *credentials) sshAuth(getenv func(string) string) error {
	user := c.endpoint.User
	if user == "" {
		user = "git"
	}
	if key := getenv(EnvSSHKey); key != "" {
		auth, err := ssh.NewPublicKeysFromFile(user, key, "")
		if err != nil {
			return fmt.Errorf("ssh key from %s: %w", EnvSSHKey, err)
		}
		c.auth, c.hint = auth, "check the key in "+EnvSSHKey
		return nil
	}
	auth, err := ssh.NewSSHAgentAuth(user)
	if err != nil {
		return fmt.Errorf("ssh agent (or set %s to a key file): %w", EnvSSHKey, err)
	}
	c.auth, c.hint = auth, "load a key into the ssh agent or set "+EnvSSHKey
	return nil
}

// redactURL hides the password of a URL, so it can be logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	return u.Redacted()
}

// redacted is an error whose message had a secret removed; it still
// unwraps to the original.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// redactErr removes every secret from err's message.
func redactErr(err error, secrets []string) error {
	msg := err.Error()
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redacted{msg: msg, err: err}
}
