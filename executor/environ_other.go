//go:build !linux

package executor

// hideEnviron does nothing where /proc/<pid>/environ does not exist.
func hideEnviron() {}
