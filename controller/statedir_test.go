package controller

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultStateDir(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_STATE_HOME", base)
	t.Chdir(base)
	get := func(repo, branch string) string {
		t.Helper()
		dir, err := DefaultStateDir(repo, branch)
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	abs := get(filepath.Join(base, "churn.git"), "main")
	if got := get("churn.git", "main"); got != abs {
		t.Errorf("a relative path: %s, want the absolute path's %s", got, abs)
	}
	if !strings.HasPrefix(abs, filepath.Join(base, "mlcd", "churn-main-")) {
		t.Errorf("state folder %s, want it under $XDG_STATE_HOME/mlcd, named for the repository and branch", abs)
	}
	if get(filepath.Join(base, "churn.git"), "dev") == abs {
		t.Error("two branches share a state folder")
	}
	url := get("https://example.com/my org/churn?.git", "main")
	if name := filepath.Base(url); !strings.HasPrefix(name, "churn_-main-") || filepath.Dir(url) != filepath.Join(base, "mlcd") {
		t.Errorf("state folder of a URL %s, want one folder with the unsafe characters replaced", url)
	}
}
