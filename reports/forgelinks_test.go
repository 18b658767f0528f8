package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
)

// Commits and branches link to GitHub when origin is there, and stay
// text when it is elsewhere.
func TestBuilder_LinksToTheForge(t *testing.T) {
	for _, tc := range []struct {
		remote string
		linked bool
	}{
		{"https://github.com/acme/churn.git", true},
		{"git@github.com:acme/churn.git", true},
		{"https://gitlab.example.com/acme/churn.git", false},
	} {
		t.Run(tc.remote, func(t *testing.T) {
			repo := copyTree(t, filepath.Join("testdata", "small", "repo"))
			r, err := git.PlainInit(repo, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{tc.remote}}); err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			builtSite(t, repo, Options{Out: out, GitHistory: true})
			const commit = `<a href="https://github.com/acme/churn/commit/0000000000000000000000000000000000005ccd">`
			for _, page := range []string{"runs/index.html", "runs/churn/20260301T120000Z-3009.html", "models/churn-xgb/index.html"} {
				data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(page)))
				if err != nil {
					t.Fatal(err)
				}
				s := string(data)
				if got := strings.Contains(s, commit); got != tc.linked {
					t.Errorf("%s: commit linked to GitHub = %v, want %v", page, got, tc.linked)
				}
				if page != "models/churn-xgb/index.html" && strings.Contains(s, `<a href="https://github.com/acme/churn/tree/main">main</a>`) != tc.linked {
					t.Errorf("%s: branch main linked = %v, want %v", page, !tc.linked, tc.linked)
				}
			}
		})
	}
}

func TestForgeLinks(t *testing.T) {
	f := forgeLinks{Base: "https://github.com/acme/churn"}
	for _, tc := range []struct{ got, want string }{
		{f.commit("3f2a9c0"), "https://github.com/acme/churn/commit/3f2a9c0"},
		{f.commit("HEAD"), ""},
		{f.commit(`"><script>`), ""},
		{f.branch("feature/a b\"<"), "https://github.com/acme/churn/tree/feature/a%20b%22%3c"},
		{f.pull(12), "https://github.com/acme/churn/pull/12"},
		{f.pull(0), ""},
		{forgeLinks{}.commit("3f2a9c0"), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
