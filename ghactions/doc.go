// Package ghactions writes the GitHub Actions workflow that runs a
// pipeline's tasks as jobs of their own (`mlcd export github`): a plan job
// that starts the run, one job per task (or per group of tasks the user
// names) whose needs: mirror the DAG and whose runs-on: is the task's
// runs_on, each running `mlcd task exec` against the object store, and a
// record job that assembles, registers and pushes the run.
//
// The jobs share nothing but the store, so the workflow only works with a
// store every runner reaches (MLCD_STORE). The package writes the file; it
// does not run tasks, talk to GitHub or read the store.
package ghactions
