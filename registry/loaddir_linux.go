package registry

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// dirReader reads version files with openat relative to their model
// folder, kept open while a worker reads that folder's files, and plain
// read and close: about three short system calls a file, where os.Open
// walks the whole path and adds fstat and fcntl.
type dirReader struct {
	root    string
	dirName string
	dirFD   int
	buf     []byte
}

func newDirReader(root string) fileReader {
	return &dirReader{root: root, dirFD: -1, buf: make([]byte, 16<<10)}
}

func (r *dirReader) read(p string) (string, error) {
	dir, name := path.Split(p)
	if dir != r.dirName {
		r.close()
		fd, err := unix.Open(filepath.Join(r.root, filepath.FromSlash(dir)), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", fmt.Errorf("open %s: %w", dir, err)
		}
		r.dirName, r.dirFD = dir, fd
	}
	fd, err := unix.Openat(r.dirFD, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", p, err)
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := unix.Read(fd, r.buf[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", p, err)
		}
		n += m
		// A regular file answers a short read only at its end: stop
		// without the extra read that would return 0.
		if m == 0 || n < len(r.buf) {
			break
		}
	}
	return string(r.buf[:n]), nil // the buffer is read into again
}

func (r *dirReader) close() {
	if r.dirFD >= 0 {
		unix.Close(r.dirFD)
		r.dirFD, r.dirName = -1, ""
	}
}
