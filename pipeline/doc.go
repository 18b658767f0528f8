// Package pipeline holds what a pipeline is: the mlcd.yaml format (parse and
// validate, every error with its file:line:col), the DAG of tasks, and the run
// record that every run leaves in the repository.
//
// It does not run anything: the executor package runs a Pipeline, and the
// controller decides when.
package pipeline
