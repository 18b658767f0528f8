//go:build !unix

package gitstore

import "time"

func cpuTimes() (self, children time.Duration) { return 0, 0 }
