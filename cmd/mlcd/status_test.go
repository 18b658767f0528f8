package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/controller"
	"github.com/mlcd-dev/mlcd/internal/gittest"
)

// Inside a checkout, mlcd status reads the state folder that
// `mlcd watch --repo <its origin>` keeps.
func TestStatusCommand_InACheckoutUsesItsOrigin(t *testing.T) {
	bare := gittest.NewBare(t)
	p := gittest.Person(t, bare)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	state, err := controller.DefaultStateDir(bare, "main")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	status := `{"repo": "` + bare + `", "branch": "main", "pid": 4242, "updated": "2026-12-06T03:00:00Z"}`
	if err := os.WriteFile(filepath.Join(state, "status.json"), []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(p.Dir)
	out, code, err := mlcd(t, "status")
	if code != exitOK || !strings.Contains(out, "repository  "+bare+" (main), controller pid 4242") {
		t.Errorf("status in a checkout: exit %d, %v\n%s", code, err, out)
	}
	t.Chdir(t.TempDir())
	if _, code, err := mlcd(t, "status"); code != exitBadInput || !strings.Contains(err.Error(), "give --repo or --state") {
		t.Errorf("status outside a checkout: exit %d, %v; want 3 and a hint", code, err)
	}
}
