// Package engine runs the tasks of one run on machines that share nothing
// but the artifact store: the plan of a run, each task's result, and the
// run record assembled from them (docs/scale-out.md).
//
// A run on an engine has three steps. Plan writes the document
// runs/<run>/plan.json (the commit, the params, the tasks). Exec runs one
// task on whatever machine an engine puts it (a Slurm job, a GitHub Actions
// job): it reads the plan and its upstreams' results, runs the task through
// executor.RunTask and writes runs/<run>/tasks/<task>.json. Collect reads
// the plan and every result and assembles the run record, which the caller
// records and registers as for a local run. A lost, duplicated or foreign
// result never corrupts the record: it is checked, and a task without a
// valid result is recorded as failed, unless its job never ran because of
// its upstreams: then its trigger rule decides, as in a local run
// (upstream_failed or skipped).
//
// An Engine submits a planned run's tasks as jobs that call `mlcd task
// exec`, with the DAG as job dependencies, and can wait for and cancel
// them. The local executor (package executor) stays the default and needs
// none of this; the slurm sub-package is one Engine.
//
// This package does not touch git: checking out the plan's commit and
// publishing the record are the caller's (cmd/mlcd, the controller).
package engine
