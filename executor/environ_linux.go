package executor

import (
	"sync"

	"golang.org/x/sys/unix"
)

var hideOnce sync.Once

// hideEnviron makes this process not dumpable, so that /proc/<pid>/environ
// and /proc/<pid>/mem belong to root: a task running as mlcd's (non-root)
// user cannot read mlcd's secrets there after they were left out of its
// environment. Tasks are not affected (execve makes them dumpable again);
// a task running as root can still read them.
func hideEnviron() {
	hideOnce.Do(func() { _ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) })
}
