//go:build !linux

package registry

import "os"

// canIndex says whether LoadDir keeps a version index: not on this
// platform, whose reader does not stat the files.
const canIndex = false

// dirReader reads through os.DirFS here.
type dirReader struct {
	fsReader
	misses map[string]fileStat
}

func newDirReader(root string, _ *versionIndex, _ int64) *dirReader {
	return &dirReader{fsReader: fsReader{os.DirFS(root)}}
}
