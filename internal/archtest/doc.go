// Package archtest holds mlcd's dependency rules as a test: which of its
// packages may not depend on which, read from `go list -deps` over the
// whole module. docs/architecture.md explains each rule; a forbidden edge
// fails `make test` with the chain of imports that brought it in.
package archtest
