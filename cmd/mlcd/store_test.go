package main

import (
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
