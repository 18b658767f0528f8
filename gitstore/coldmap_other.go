//go:build !unix

package gitstore

import "errors"

// canMapFiles says whether packSet can read pack files here: not on this
// platform, where every object is read through go-git.
const canMapFiles = false

func mapFile(string) ([]byte, error) { return nil, errors.New("not supported") }

func unmapFile([]byte) {}
