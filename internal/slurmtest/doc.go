// Package slurmtest starts a real single-node Slurm cluster for tests and
// benchmarks: slurmctld and slurmd as children of the test, with a
// slurm.conf, state and logs in a temporary folder and ports of their own,
// and munged when no munged is running. Tests skip when Slurm is not
// installed, and fail instead under CI=true.
package slurmtest
