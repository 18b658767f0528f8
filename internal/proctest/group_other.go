//go:build unix && !linux

package proctest

import (
	"errors"
	"strconv"
	"syscall"
)

// groupMembers reports whether group pgid has a process left; without
// /proc it cannot tell a zombie from a live process, nor name it.
func groupMembers(pgid int) ([]string, error) {
	err := syscall.Kill(-pgid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return nil, nil
	}
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return nil, err
	}
	return []string{"group " + strconv.Itoa(pgid)}, nil
}
