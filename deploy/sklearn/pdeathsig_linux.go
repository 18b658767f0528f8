package sklearn

import "syscall"

// dieWithParent makes the kernel kill a worker when the process that
// started it dies, even by SIGKILL, so a crashed mlcd leaves no Python
// process holding a model in memory.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
