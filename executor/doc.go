// Package executor runs a pipeline's DAG on this machine: one process group
// per task attempt, at most Jobs at a time, with retries, timeouts, trigger
// rules, content-hash caching and the task protocol of docs/task-protocol.md.
// It returns the run record; writing it to the repository, committing it
// and deciding when to run are the caller's business (cmd/mlcd, the
// controller).
//
// One goroutine owns the scheduling state. Workers run one attempt each and
// report back on a channel; a task starts as soon as its last upstream has
// finished. Retry waits are timers, not sleeping workers, so a waiting task
// holds no job slot.
//
// A task's processes end with it: on Linux each attempt runs in a cgroup of
// its own where one can be made, mlcd is a child subreaper, and a watchdog
// kills the tasks' cgroups when mlcd dies (reap_linux.go). mlcd's own
// secrets reach only the tasks that ask for them, and are masked in what
// tasks print and report (mask.go).
package executor
