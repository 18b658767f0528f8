//go:build !linux

package registry

import "os"

func newDirReader(root string) fileReader { return fsReader{os.DirFS(root)} }
