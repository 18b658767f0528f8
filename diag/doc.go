// Package diag is the one diagnostic of mlcd's file formats: a problem at
// a place in a file ("mlcd.yaml:14:5: message"), how it is written, sorted
// and joined, and how the problems are found again in an error.
//
// The pipeline (mlcd.yaml), the registry's version files, the deployment
// journal and the checks of `mlcd check` all report their problems as
// *Error, and the CLI prints and counts them, so the type belongs to none
// of them. It is a top-level package rather than an internal one because
// it appears in exported signatures (pipeline.Parse's problems,
// registry.Check, gate.CheckJournals) that callers unpack with errors.As.
// It imports nothing of mlcd's, so that every package may use it.
//
// It is not a logger, and it does not read files: the parsers decide where
// a problem is and what it says.
package diag
