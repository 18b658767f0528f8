package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/store"
)

// Every command that touches the artifact store prints the one rule that
// finds it, and takes --store.
func TestStoreRuleInHelp(t *testing.T) {
	for _, name := range []string{"run", "watch", "deploy", "serve", "check", "report"} {
		out, code, err := mlcd(t, name, "--help")
		if code != exitOK || !strings.Contains(out, store.Rule) || !strings.Contains(out, "--store") {
			t.Errorf("mlcd %s --help: exit %d, %v; want the store rule and --store:\n%s", name, code, err, out)
		}
	}
}

// A controller whose state folder holds the store earlier versions kept
// there goes on using it (what serves keeps its artifacts); otherwise it
// uses the one default.
func TestControllerConfig_StoreDefault(t *testing.T) {
	t.Setenv(store.EnvStore, "")
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	def, err := store.DefaultDir(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	co := &controllerOptions{repo: "https://example.com/a.git", branch: "main", state: state}
	opts := &globalOptions{stdout: io.Discard, stderr: io.Discard}
	cfg, err := co.config(opts, io.Discard)
	if err != nil || cfg.Store != "" || cfg.DefaultStore != def {
		t.Fatalf("config = store %q, default %q, %v; want the default %s", cfg.Store, cfg.DefaultStore, err, def)
	}
	legacy := filepath.Join(state, "store")
	if err := os.MkdirAll(filepath.Join(legacy, "sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	if cfg, err = co.config(opts, io.Discard); err != nil || cfg.DefaultStore != legacy {
		t.Errorf("config with a store in the state folder = default %q, %v; want %s", cfg.DefaultStore, err, legacy)
	}
	co.store = "/elsewhere"
	if cfg, err = co.config(opts, io.Discard); err != nil || cfg.Store != "/elsewhere" {
		t.Errorf("config with --store = %q, %v", cfg.Store, err)
	}
}
