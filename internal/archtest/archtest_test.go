package archtest

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestModule_KeepsTheDependencyRules is the rule check over the real
// module: it fails with the chain of imports that broke a rule.
func TestModule_KeepsTheDependencyRules(t *testing.T) {
	g, err := Load(context.Background(), "../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{Module + "/pipeline", Module + "/reports", Module + "/cmd/mlcd", "github.com/go-git/go-git/v5"} {
		if _, ok := g[want]; !ok {
			t.Fatalf("go list did not list %s: the rules would hold vacuously", want)
		}
	}
	for _, line := range Check(g, Rules) {
		t.Error(line)
	}
}

// A new forbidden edge, even two packages away, is reported with the
// imports that reach it.
func TestCheck_NamesTheChainOfAForbiddenEdge(t *testing.T) {
	g := Graph{
		Module + "/reports":           {"fmt", Module + "/registry"},
		Module + "/registry":          {Module + "/deploy/xgboost"},
		Module + "/deploy/xgboost":    {"math"},
		Module + "/watcher":           {"time"},
		Module + "/cmd/mlcd":          {Module + "/reports", Module + "/cmd/mlcd/scaffold"},
		Module + "/cmd/mlcd/scaffold": nil,
		Module + "/gate":              {Module + "/cmd/mlcd/scaffold"},
	}
	got := Check(g, Rules)
	want := []string{
		Module + "/gate must not depend on " + Module + "/cmd/mlcd/scaffold",
		Module + "/registry must not depend on " + Module + "/deploy/xgboost",
		Module + "/reports must not depend on " + Module + "/deploy/xgboost",
	}
	if len(got) != len(want) {
		t.Fatalf("Check = %q, want %d lines", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
	chain := Module + "/reports -> " + Module + "/registry -> " + Module + "/deploy/xgboost"
	if !strings.HasSuffix(got[2], chain) {
		t.Errorf("line = %q, want the chain %q", got[2], chain)
	}
}

func TestCheck_CleanGraph(t *testing.T) {
	g := Graph{
		Module + "/cmd/mlcd": {Module + "/reports", Module + "/deploy", Module + "/cmd/mlcd/scaffold"},
		Module + "/reports":  {Module + "/journal"},
		Module + "/deploy":   {Module + "/journal", Module + "/registry"},
		Module + "/executor": {Module + "/pipeline"},
	}
	if got := Check(g, Rules); len(got) != 0 {
		t.Errorf("Check = %q, want none", got)
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"a/b/...", "a/b", true},
		{"a/b/...", "a/b/c", true},
		{"a/b/...", "a/bc", false},
		{"a/b", "a/b/c", false},
		{"a/b", "a/b", true},
	} {
		if got := Match(c.pattern, c.path); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
	if !slices.ContainsFunc(Rules, func(r Rule) bool { return r.applies(Module+"/gate") && r.forbids(Module+"/cmd/mlcd") }) {
		t.Error("no rule keeps gate off cmd")
	}
}

// The report reaches go-git only through gitstore: directly, or through
// any other package, it is a broken rule.
func TestCheck_ReportsReachGitOnlyThroughGitstore(t *testing.T) {
	const gogit = "github.com/go-git/go-git/v5"
	through := Graph{
		Module + "/reports":  {Module + "/gitstore"},
		Module + "/gitstore": {gogit},
		gogit:                {gogit + "/plumbing"},
	}
	if got := Check(through, Rules); len(got) != 0 {
		t.Errorf("reports -> gitstore -> go-git: Check = %q, want none", got)
	}
	for name, g := range map[string]Graph{
		"direct": {
			Module + "/reports":  {Module + "/gitstore", gogit + "/plumbing"},
			Module + "/gitstore": {gogit},
		},
		"through another package": {
			Module + "/reports":  {Module + "/gitstore", Module + "/compare"},
			Module + "/gitstore": {gogit},
			Module + "/compare":  {gogit},
		},
	} {
		got := Check(g, Rules)
		if len(got) != 1 || !strings.HasPrefix(got[0], Module+"/reports must not depend on "+gogit) {
			t.Errorf("%s: Check = %q, want reports' dependency on go-git", name, got)
		}
	}
}
