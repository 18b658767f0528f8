// Package controller is the reconcile loop of `mlcd watch` and
// `mlcd run --once`: it takes events from the watcher, decides whether a
// commit needs a run (its changed paths against `on.paths`, never for the
// bot's own records), runs the pipeline on a clean checkout of exactly that
// commit, and publishes the run record (and the model versions it registers)
// as a bot commit, without ever losing a record across pushes, conflicts or
// crashes.
//
// It does not parse files, run processes or speak git itself: pipeline,
// executor, registry and gitstore do.
package controller
