package gitstore

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

func TestAuthFor(t *testing.T) {
	t.Parallel()
	key := writeKey(t)
	tests := []struct {
		name     string
		url      string
		env      map[string]string
		wantUser string // basic-auth or ssh user; "" = no auth
		wantPass string
		wantHint string
		wantSafe string
		wantErr  string
	}{
		{name: "plain path", url: "/srv/git/repo.git", wantHint: "local"},
		{name: "file url", url: "file:///srv/git/repo.git", env: map[string]string{EnvToken: "t"}, wantHint: "local"},
		{name: "https without token", url: "https://example.com/o/r.git", wantHint: "set MLCD_GIT_TOKEN or GITHUB_TOKEN"},
		{name: "mlcd token", url: "https://example.com/o/r.git", env: map[string]string{EnvToken: "t1", EnvGitHubToken: "t2"},
			wantUser: tokenUser, wantPass: "t1", wantHint: EnvToken},
		{name: "github token", url: "https://example.com/o/r.git", env: map[string]string{EnvGitHubToken: "t2"},
			wantUser: tokenUser, wantPass: "t2", wantHint: EnvGitHubToken},
		{name: "user and password in url win", url: "https://ada:pw@example.com/o/r.git", env: map[string]string{EnvToken: "t1"},
			wantUser: "ada", wantPass: "pw", wantHint: "remote URL", wantSafe: "https://ada:xxxxx@example.com/o/r.git"},
		{name: "ssh key file", url: "ssh://git@example.com/o/r.git", env: map[string]string{EnvSSHKey: key},
			wantUser: "git", wantHint: EnvSSHKey},
		{name: "scp-like ssh", url: "deploy@example.com:o/r.git", env: map[string]string{EnvSSHKey: key},
			wantUser: "deploy", wantHint: EnvSSHKey},
		{name: "missing ssh key", url: "ssh://git@example.com/o/r.git", env: map[string]string{EnvSSHKey: filepath.Join(t.TempDir(), "none")},
			wantErr: EnvSSHKey},
		{name: "unsupported protocol", url: "ftp://example.com/r.git", wantErr: "unsupported protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := authFor(tt.url, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if user, pass := authUser(c); user != tt.wantUser || (tt.wantPass != "" && pass != tt.wantPass) {
				t.Errorf("auth = %q/%q, want %q/%q", user, pass, tt.wantUser, tt.wantPass)
			}
			if !strings.Contains(c.hint, tt.wantHint) {
				t.Errorf("hint %q should contain %q", c.hint, tt.wantHint)
			}
			if c.endpoint.Password != "" {
				t.Errorf("endpoint keeps the password: %+v", c.endpoint)
			}
			safe := tt.wantSafe
			if safe == "" {
				safe = tt.url
			}
			if c.safeURL != safe {
				t.Errorf("safe URL = %q, want %q", c.safeURL, safe)
			}
		})
	}
}

func authUser(c *credentials) (user, pass string) {
	switch a := c.auth.(type) {
	case *githttp.BasicAuth:
		return a.Username, a.Password
	case *gitssh.PublicKeys:
		return a.User, ""
	case nil:
		return "", ""
	}
	return fmt.Sprintf("%T", c.auth), ""
}

func writeKey(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRedactErr(t *testing.T) {
	t.Parallel()
	base := errors.New(`Get "https://x-access-token:ghp_secret@example.com": refused, token ghp_secret`)
	err := redactErr(base, []string{"ghp_secret", ""})
	if strings.Contains(err.Error(), "ghp_secret") || !errors.Is(err, base) {
		t.Fatalf("redactErr = %q (unwraps to base: %v)", err, errors.Is(err, base))
	}
	if got := redactErr(base, nil); got != base {
		t.Fatalf("nothing to redact should return the error itself")
	}
}

func FuzzCheckPaths(f *testing.F) {
	for _, p := range []string{
		"runs/demo/1.json", "models/m/v1.yaml", "deployments/m.yaml", "mlcd.yaml", "runs", "runs/",
		"/runs/x", "runs/../x", "runs/./x", "runs//x", "runs/.git/x", "runs/.GIT/x", "runs\\x", "runs/x\x00",
		"src/runs/x", "../runs/x",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if checkPaths(map[string][]byte{p: []byte("x")}) != nil {
			return
		}
		// Accepted: a clean relative path with a folder under a bot root,
		// that safeName accepts element by element (Checkout's rule).
		parts := strings.Split(p, "/")
		if len(parts) < 2 || (parts[0] != "runs" && parts[0] != "models" && parts[0] != "deployments") {
			t.Fatalf("accepted %q outside the bot's folders", p)
		}
		for _, part := range parts {
			if !safeName(part) {
				t.Fatalf("accepted %q with the unsafe element %q", p, part)
			}
		}
		if filepath.Clean(p) != filepath.FromSlash(p) {
			t.Fatalf("accepted the unclean path %q", p)
		}
	})
}
