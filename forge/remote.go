package forge

import (
	"net/url"
	"strings"
)

// ParseRemote returns the owner and repository of a github.com remote URL:
// https://github.com/o/r(.git), git@github.com:o/r.git or
// ssh://git@github.com(:22)/o/r. ok is false for any other host or shape.
func ParseRemote(remote string) (owner, repo string, ok bool) {
	return ParseRemoteWithBase(remote, "")
}

// ParseRemoteWithBase is ParseRemote that also accepts the web host of the
// API baseURL: https://ghe.example.com/api/v3/ accepts ghe.example.com
// remotes. An empty baseURL means github.com only.
func ParseRemoteWithBase(remote, baseURL string) (owner, repo string, ok bool) {
	host, path, ok := splitRemote(strings.TrimSpace(remote))
	if !ok || !knownHost(host, baseURL) {
		return "", "", false
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	owner, repo, ok = strings.Cut(path, "/")
	if !ok || !validName(owner, false) || !validName(repo, true) {
		return "", "", false
	}
	return owner, repo, true
}

// splitRemote returns the host and path of a URL remote (scheme://) or of
// git's scp-like form [user@]host:path.
func splitRemote(remote string) (host, path string, ok bool) {
	if strings.Contains(remote, "://") {
		u, err := url.Parse(remote)
		if err != nil || u.RawQuery != "" || u.Fragment != "" {
			return "", "", false
		}
		switch u.Scheme {
		case "https", "http", "ssh", "git", "git+ssh", "ssh+git":
			return u.Hostname(), u.Path, u.Hostname() != ""
		}
		return "", "", false
	}
	hostPart, path, ok := strings.Cut(remote, ":")
	if !ok || strings.ContainsAny(hostPart, "/") {
		return "", "", false
	}
	if i := strings.LastIndex(hostPart, "@"); i >= 0 {
		hostPart = hostPart[i+1:]
	}
	return hostPart, path, hostPart != ""
}

func knownHost(host, baseURL string) bool {
	host = strings.ToLower(host)
	if host == "github.com" || host == "www.github.com" {
		return true
	}
	if baseURL == "" {
		return false
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return false
	}
	web := strings.ToLower(u.Hostname())
	if web == "api.github.com" {
		return false
	}
	return host == web || host == strings.TrimPrefix(web, "api.")
}

// validName checks a GitHub owner (letters, digits, '_' of managed users,
// inner hyphens, at most 39) or repository name (letters, digits, '.', '-',
// '_', at most 100, not "." or "..").
func validName(s string, isRepo bool) bool {
	if s == "" || (isRepo && (s == "." || s == ".." || len(s) > 100)) || (!isRepo && len(s) > 39) {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
		case c == '_' || (isRepo && c == '.'):
		default:
			return false
		}
	}
	return isRepo || (s[0] != '-' && s[len(s)-1] != '-')
}
