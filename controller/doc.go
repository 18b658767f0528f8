// Package controller is the reconcile loop of `mlcd watch` and
// `mlcd run --once`: it takes events from the watcher, decides whether a
// commit needs a run (its changed paths against `on.paths`, never for the
// bot's own records), runs the pipeline on a clean checkout of exactly that
// commit, and publishes the run record (and the model versions it registers)
// as a bot commit, without ever losing a record across pushes, conflicts or
// crashes.
//
// A pipeline whose executor is an engine (executor: slurm) is run through
// engine.Run: its jobs run `mlcd task exec` in a git checkout of the
// commit that the controller clones from its state clone.
//
// It does not parse files, run the tasks' processes or speak git itself:
// pipeline, executor, engine, registry and gitstore do; the one exception
// is the git clone of the jobs' checkout (engine.go).
package controller
