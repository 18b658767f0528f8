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

// Git is reached only through gitstore: directly, or through any other
// package, it is a broken rule, for the report as for everyone.
func TestCheck_GitOnlyThroughGitstore(t *testing.T) {
	const gogit = "github.com/go-git/go-git/v5"
	through := Graph{
		Module + "/reports":  {Module + "/gitstore"},
		Module + "/cmd/mlcd": {Module + "/gitstore", Module + "/reports"},
		Module + "/gitstore": {gogit},
		gogit:                {gogit + "/plumbing"},
	}
	if got := Check(through, Rules); len(got) != 0 {
		t.Errorf("reports -> gitstore -> go-git: Check = %q, want none", got)
	}
	for name, tt := range map[string]struct {
		g    Graph
		want []string // the packages that break the rule
	}{
		"direct": {Graph{
			Module + "/reports":  {Module + "/gitstore", gogit + "/plumbing"},
			Module + "/gitstore": {gogit},
		}, []string{Module + "/reports"}},
		"through another package": {Graph{
			Module + "/reports":  {Module + "/gitstore", Module + "/compare"},
			Module + "/gitstore": {gogit},
			Module + "/compare":  {gogit},
		}, []string{Module + "/compare", Module + "/reports"}},
	} {
		got := Check(tt.g, Rules)
		if len(got) != len(tt.want) {
			t.Errorf("%s: Check = %q, want %d lines", name, got, len(tt.want))
			continue
		}
		for i, from := range tt.want {
			if !strings.HasPrefix(got[i], from+" must not depend on "+gogit) {
				t.Errorf("%s: line %d = %q, want %s's dependency on go-git", name, i, got[i], from)
			}
		}
	}
}

// GitHub's API is forge's alone.
func TestCheck_GitHubOnlyThroughForge(t *testing.T) {
	const gh = "github.com/google/go-github/v60/github"
	g := Graph{
		Module + "/gate":       {Module + "/forge"},
		Module + "/forge":      {gh},
		Module + "/controller": {Module + "/gate", gh},
	}
	got := Check(g, Rules)
	if len(got) != 1 || !strings.HasPrefix(got[0], Module+"/controller must not depend on "+gh) {
		t.Errorf("Check = %q, want only the controller's own go-github import", got)
	}
}

// The CLI's own imports are held to flag parsing and printing; what the
// packages it calls import is theirs.
func TestCheck_ThinCLI(t *testing.T) {
	g := Graph{
		Module + "/cmd/mlcd":          {"os", "fmt", Module + "/executor", Module + "/gitstore", Module + "/cmd/mlcd/scaffold"},
		Module + "/executor":          {"os/exec"},
		Module + "/gitstore":          {"github.com/go-git/go-git/v5", "os/exec", Module + "/internal/atomicfile"},
		Module + "/cmd/mlcd/scaffold": {Module + "/internal/atomicfile"},
	}
	if got := Check(g, Rules); len(got) != 0 {
		t.Errorf("Check = %q, want none: the packages may do what the CLI may not", got)
	}
	for _, imp := range []string{"os/exec", "net/http", "crypto/sha256", "github.com/goccy/go-yaml", Module + "/internal/atomicfile", Module + "/layout"} {
		g[Module+"/cmd/mlcd"] = []string{"fmt", imp}
		got := Check(g, Rules)
		if want := Module + "/cmd/mlcd must not depend on " + imp; len(got) != 1 || !strings.HasPrefix(got[0], want) ||
			!strings.HasSuffix(got[0], Module+"/cmd/mlcd -> "+imp) {
			t.Errorf("cmd/mlcd importing %s: Check = %q, want %q and the one edge", imp, got, want)
		}
	}
}
