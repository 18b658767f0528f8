//go:build !unix

package controller

import "os"

// tryLock without flock: the state folder is not locked on this system.
func tryLock(*os.File) (bool, error) { return true, nil }
