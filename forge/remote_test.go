package forge

import (
	"testing"
)

func TestParseRemote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		remote, base string
		owner, repo  string
		ok           bool
	}{
		{remote: "https://github.com/octo/churn", owner: "octo", repo: "churn", ok: true},
		{remote: "https://github.com/octo/churn.git", owner: "octo", repo: "churn", ok: true},
		{remote: "https://github.com/octo/churn/", owner: "octo", repo: "churn", ok: true},
		{remote: "https://x-access-token:abc@github.com/octo/churn.git", owner: "octo", repo: "churn", ok: true},
		{remote: "git@github.com:octo/churn.git", owner: "octo", repo: "churn", ok: true},
		{remote: "git@github.com:octo/churn", owner: "octo", repo: "churn", ok: true},
		{remote: "ssh://git@github.com/octo/churn", owner: "octo", repo: "churn", ok: true},
		{remote: "ssh://git@github.com:22/octo/my.repo_x.git", owner: "octo", repo: "my.repo_x", ok: true},
		{remote: "HTTPS://GitHub.com/Octo/Churn", owner: "Octo", repo: "Churn", ok: true},
		{remote: "https://ghe.example.com/team/churn.git", base: "https://ghe.example.com/api/v3/", owner: "team", repo: "churn", ok: true},
		{remote: "git@ghe.example.com:team/churn.git", base: "https://ghe.example.com/api/v3/", owner: "team", repo: "churn", ok: true},
		{remote: "https://github.com/octo/churn", base: "https://ghe.example.com/api/v3/", owner: "octo", repo: "churn", ok: true},
		{remote: "https://ghe.example.com/team/churn.git"},
		{remote: "https://gitlab.com/octo/churn"},
		{remote: "https://github.com/octo"},
		{remote: "https://github.com/octo/churn/tree/main"},
		{remote: "https://github.com/-octo/churn"},
		{remote: "https://github.com/octo/.."},
		{remote: "https://github.com/octo/churn?x=1"},
		{remote: "file:///srv/git/churn.git"},
		{remote: "/srv/git/churn.git"},
		{remote: "../churn"},
		{remote: ""},
	}
	for _, tt := range tests {
		owner, repo, ok := ParseRemoteWithBase(tt.remote, tt.base)
		if owner != tt.owner || repo != tt.repo || ok != tt.ok {
			t.Errorf("ParseRemoteWithBase(%q, %q) = %q, %q, %v; want %q, %q, %v",
				tt.remote, tt.base, owner, repo, ok, tt.owner, tt.repo, tt.ok)
		}
	}
	if _, _, ok := ParseRemote("git@ghe.example.com:team/churn.git"); ok {
		t.Error("ParseRemote accepted a host other than github.com")
	}
}

func FuzzParseRemote(f *testing.F) {
	for _, s := range []string{
		"https://github.com/octo/churn.git", "git@github.com:octo/churn.git",
		"ssh://git@github.com:22/octo/churn", "github.com:a/b", "https://github.com//",
		"git@github.com:/x/y", "ssh://[::1]/a/b", "https://github.com/a/b/c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		owner, repo, ok := ParseRemote(remote)
		if !ok {
			if owner != "" || repo != "" {
				t.Fatalf("not ok but returned %q/%q", owner, repo)
			}
			return
		}
		if !validName(owner, false) || !validName(repo, true) {
			t.Fatalf("ParseRemote(%q) returned invalid %q/%q", remote, owner, repo)
		}
		// The canonical https form of the answer parses to the same answer.
		o2, r2, ok2 := ParseRemote("https://github.com/" + owner + "/" + repo + ".git")
		if !ok2 || o2 != owner || r2 != repo {
			t.Fatalf("ParseRemote(%q) = %q/%q, but its https form parses to %q/%q %v", remote, owner, repo, o2, r2, ok2)
		}
	})
}
