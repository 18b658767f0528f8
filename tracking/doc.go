// Package tracking is mlcd's MLflow drop-in: while a pipeline runs, it
// serves the subset of MLflow's tracking, registry and artifact-proxy REST
// API (version 2.0, as the MLflow 2.x Python client speaks it) on a
// loopback port, so that training code written with mlflow.* runs
// unchanged inside a task.
//
// Each task attempt gets a session and its own MLFLOW_TRACKING_URI (a
// secret path prefix on the shared port). What the attempt logs is handed,
// before the request is acknowledged, to the attempt's Recorder, which the
// executor implements by appending to the same log file `mlcd log` feeds:
// the run record stays the only store, and what was acknowledged survives
// a task that is killed. Artifacts are written into the attempt's
// MLCD_OUT, so they become the task's outputs like any other file.
// Registry writes never change the registry: model-versions/create
// declares the task's model (registered when the run is recorded), and a
// stage transition or alias becomes a StageRequest in the record, which the
// controller turns into a promotion pull request. Reads of past runs and
// of the registry answer from the checkout's runs/ and models/.
//
// It is not an MLflow server: there is no database, no UI, no search
// filter language, no deletes, and nothing outlives the pipeline run. It
// does not deploy, render reports or talk to git.
package tracking
