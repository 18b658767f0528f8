package command

import "syscall"

// dieWithParent makes the kernel kill the server when the process that
// started it dies, even by SIGKILL, so a crashed mlcd leaves no orphan
// holding a port and memory. The setting survives exec, so it reaches the
// command the shell execs.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
