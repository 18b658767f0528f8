package forge

import (
	"strings"
	"testing"
)

func TestConnect(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		s        Settings
		remote   string
		wantRepo string // "" : no client
		wantWhy  string
	}{
		{"github remote", Settings{Token: "t"}, "git@github.com:octo/churn.git", "octo/churn", ""},
		{"the remote's repository wins", Settings{Token: "t", Repository: "other/repo"}, "https://github.com/octo/churn", "octo/churn", ""},
		{"repository for a path remote", Settings{Token: "t", Repository: "octo/churn"}, "/srv/git/churn.git", "octo/churn", ""},
		{"enterprise host", Settings{Token: "t", BaseURL: "https://ghe.example.com/api/v3/"}, "https://ghe.example.com/ml/churn.git", "ml/churn", ""},
		{"enterprise remote, github.com API", Settings{Token: "t"}, "https://ghe.example.com/ml/churn.git", "", "not on GitHub"},
		{"not on GitHub", Settings{Token: "t"}, "/srv/git/churn.git", "", "not on GitHub"},
		{"half a repository", Settings{Token: "t", Repository: "octo/"}, "/srv/git/churn.git", "", "not on GitHub"},
		{"no token", Settings{}, "https://github.com/octo/churn", "", "GITHUB_TOKEN is not set, so no pull request for octo/churn"},
	} {
		c, why, err := Connect(tt.s, tt.remote, nil)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		switch {
		case tt.wantRepo == "" && c != nil:
			t.Errorf("%s: a client for %s, want none", tt.name, c.Repo())
		case tt.wantRepo != "" && (c == nil || c.Repo() != tt.wantRepo):
			t.Errorf("%s: client %v (%s), want one for %s", tt.name, c, why, tt.wantRepo)
		case !strings.Contains(why, tt.wantWhy) || (tt.wantWhy == "") != (why == ""):
			t.Errorf("%s: why = %q, want %q", tt.name, why, tt.wantWhy)
		}
	}
	if _, _, err := Connect(Settings{Token: "t", BaseURL: "ftp://x"}, "git@github.com:o/r", nil); err == nil {
		t.Error("a bad API URL: no error")
	}
}

func TestSettingsFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{EnvToken: "tok", EnvAPIURL: "https://ghe/api/v3/", EnvRepository: "o/r", "OTHER": "x"}
	got := SettingsFromEnv(func(k string) string { return env[k] })
	if want := (Settings{Token: "tok", BaseURL: "https://ghe/api/v3/", Repository: "o/r"}); got != want {
		t.Errorf("SettingsFromEnv = %+v, want %+v", got, want)
	}
}
