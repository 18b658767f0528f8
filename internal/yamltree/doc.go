// Package yamltree holds what mlcd's readers of YAML files share as they
// walk goccy/go-yaml's tree: the size and nesting check and the parse,
// with a syntax error as a *diag.Error at its place; where a node is; how
// a node's type is named in "must be X, got Y"; integer values that fit;
// and the closest known key for "unknown key" messages.
//
// Its users are mlcd.yaml's parser (pipeline), the version files of the
// registry and the deployment journal. Each keeps its own walk and its own
// messages (they are part of the user interface, and golden files hold
// them); this package keeps the mechanics they have in common, so that
// a fix to one (a node without a position, a syntax error without a token)
// is a fix to all. It is internal: the formats, not these helpers, are
// mlcd's promise.
package yamltree
