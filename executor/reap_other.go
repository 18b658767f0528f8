//go:build !linux

package executor

import (
	"log/slog"
	"os/exec"
	"syscall"
)

// reaper does nothing beyond the process-group kill where there are no
// cgroups, subreapers or /proc (see reap_linux.go).
type reaper struct{}

type attemptGroup struct{}

func processReaper(*slog.Logger) *reaper                   { return &reaper{} }
func (*reaper) newGroup() (*attemptGroup, error)           { return nil, nil }
func (*attemptGroup) attach(*syscall.SysProcAttr)          {}
func (*reaper) cleanup(*attemptGroup, []string)            {}
func (*reaper) start(_ *attemptGroup, cmd *exec.Cmd) error { return cmd.Start() }

// TasksInCgroups reports whether each attempt runs in a cgroup of its own:
// never outside Linux.
func TasksInCgroups() bool { return false }
