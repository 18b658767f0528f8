package archtest

// Module is the import path of mlcd's module.
const Module = "github.com/mlcd-dev/mlcd"

// A Rule forbids the packages matching From to depend, directly or
// through others, on a package matching To, except through a package
// matching Through (the package that owns what To names).
type Rule struct {
	From    []string // package patterns the rule applies to
	To      []string // package patterns they must not reach
	Through []string // package patterns through which To may be reached
	// Direct: only the packages' own imports count, not what those
	// import (a rule about what a package does itself).
	Direct bool
	Why    string // the reason, for the failure message
}

// Rules are mlcd's dependency rules. A pattern is an import path, or a
// prefix ending in "/..." that matches the path and everything under it;
// "!p" in From exempts p.
var Rules = []Rule{
	{
		From: []string{Module + "/pipeline/...", Module + "/executor/..."},
		To:   []string{"github.com/go-git/...", Module + "/gitstore/..."},
		Why:  "the pipeline and the executor run on a checked-out tree; git is gitstore's, and the controller's to call",
	},
	{
		From:    []string{Module + "/...", "!" + Module + "/gitstore/..."},
		To:      []string{"github.com/go-git/..."},
		Through: []string{Module + "/gitstore/..."},
		Why:     "git is gitstore's: everyone else, the report and the CLI too, reaches it through gitstore's calls, types and errors",
	},
	{
		From:    []string{Module + "/...", "!" + Module + "/forge/..."},
		To:      []string{"github.com/google/go-github/..."},
		Through: []string{Module + "/forge/..."},
		Why:     "GitHub's API is forge's: one client, built from one configuration (forge.Connect)",
	},
	{
		From: []string{Module + "/cmd/mlcd"},
		To: []string{
			"github.com/go-git/...", "github.com/google/go-github/...", "github.com/goccy/go-yaml/...", "gopkg.in/yaml.v3",
			"os/exec", "net/http", "crypto/...", Module + "/internal/atomicfile", Module + "/layout",
		},
		Direct: true,
		Why: "the CLI parses flags, calls a package and prints: git, GitHub, file formats, writing files, " +
			"processes, HTTP servers and the repository's folders are the packages'",
	},
	{
		From: []string{Module + "/registry/..."},
		To:   []string{Module + "/deploy/..."},
		Why:  "the registry is read by the deployer, not the other way round",
	},
	{
		From: []string{Module + "/reports/..."},
		To:   []string{Module + "/deploy/..."},
		Why:  "the report reads deployment journals through journal, without linking the deployer and its flavors",
	},
	{
		From: []string{Module + "/..."},
		To:   []string{"k8s.io/...", "sigs.k8s.io/..."},
		Why:  "mlcd writes Kubernetes manifests from its own small types; the k8s.io types are for the tests that decode them",
	},
	{
		From: []string{Module + "/promotion/..."},
		To:   []string{Module + "/reports/..."},
		Why:  "a pull request's comparison comes from compare, not from the report's renderer",
	},
	{
		From: []string{Module + "/forge/..."},
		To:   []string{Module + "/gate/...", Module + "/registry/...", Module + "/pipeline/...", Module + "/gitstore/..."},
		Why:  "forge only talks to GitHub and returns what it says as data; the gate decides",
	},
	{
		From: []string{Module + "/watcher/..."},
		To:   []string{Module + "/pipeline/..."},
		Why:  "the watcher reports events; what they mean for a pipeline is the controller's",
	},
	{
		From: []string{Module + "/layout"},
		To:   []string{Module + "/..."},
		Why:  "layout names the repository's folders for every package, so it may import none",
	},
	{
		From: []string{Module + "/diag"},
		To:   []string{Module + "/..."},
		Why:  "diag is the problem-at-a-place of every file format, so it may import none of them",
	},
	{
		From:    []string{Module + "/...", "!" + Module + "/store", "!" + Module + "/internal/s3test", "!" + Module + "/cmd/mlcd"},
		To:      []string{"gocloud.dev/...", "github.com/aws/...", "cloud.google.com/...", "github.com/Azure/..."},
		Through: []string{Module + "/store", Module + "/internal/s3test"},
		Why:     "the cloud SDKs are the store's (the mlcd command only links the drivers): others use store.Store, and the SDKs' types and errors stay in store",
	},
	{
		From: []string{Module + "/...", "!" + Module + "/cmd/..."},
		To:   []string{Module + "/cmd/..."},
		Why:  "cmd is the top: commands call packages, never the reverse",
	},
}
