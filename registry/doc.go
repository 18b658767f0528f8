// Package registry is the model registry kept as files in the repository:
// one file per model version, models/<model>/v<N>.yaml, with its stage
// (None, Staging, Production, Archived), aliases, run, artifact digest,
// metrics and params. It reads and writes those files in one canonical
// form, validates them (every problem with file:line:col), registers the
// versions of a run, diffs the registry between two commits, checks a pull
// request's change against the rules of `mlcd check`, and holds the
// promotion policy.
//
// It does no git and no network: callers hand it an fs.FS (a working tree
// or a commit) and commit the files it returns.
package registry
