package registry

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// canIndex says whether LoadDir keeps a version index.
const canIndex = true

// dirReader reads version files with openat relative to their model
// folder, kept open while a worker reads that folder's files, and plain
// read and close: about three short system calls a file, where os.Open
// walks the whole path and adds fstat and fcntl. With a version index it
// first stats the file, and an unchanged one is not read at all.
type dirReader struct {
	root    string
	dirName string
	dirFD   int
	buf     []byte
	idx     *versionIndex
	// misses are the files read rather than found in idx, with what stat
	// said of them, when the index is kept (nil otherwise). settled is
	// the time before which a file must have last changed to be indexed;
	// recent is set when the open folder changed after it (files created
	// or renamed there, as in a fresh clone), whose files are then not
	// stated for the index: they could not go in it.
	misses  map[string]fileStat
	settled int64
	recent  bool
}

// newDirReader reads files under root, finding unchanged ones in idx
// when not nil, and with settled not zero collects misses.
func newDirReader(root string, idx *versionIndex, settled int64) *dirReader {
	r := &dirReader{root: root, dirFD: -1, buf: make([]byte, 16<<10), idx: idx, settled: settled}
	if settled != 0 {
		r.misses = map[string]fileStat{}
	}
	return r
}

func (r *dirReader) read(p string) (string, *entry, error) {
	dir, name := path.Split(p)
	if dir != r.dirName {
		r.close()
		fd, err := unix.Open(filepath.Join(r.root, filepath.FromSlash(dir)), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", nil, fmt.Errorf("open %s: %w", dir, err)
		}
		r.dirName, r.dirFD = dir, fd
		if r.misses != nil {
			var st unix.Stat_t
			r.recent = unix.Fstat(fd, &st) != nil || !statOf(&st).before(r.settled)
		}
	}
	var st unix.Stat_t
	stated := false
	if r.idx != nil && unix.Fstatat(r.dirFD, name, &st, 0) == nil {
		if e, ok := r.idx.lookup(p, statOf(&st)); ok {
			return e.data, &e, nil
		}
		stated = true
	}
	fd, err := unix.Openat(r.dirFD, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer unix.Close(fd)
	if r.misses != nil && (stated || !r.recent && unix.Fstat(fd, &st) == nil) {
		r.misses[p] = statOf(&st)
	}
	data, err := r.readAll(fd, p)
	return data, nil, err
}

// readAll reads the open file fd into the reused buffer.
func (r *dirReader) readAll(fd int, p string) (string, error) {
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

func statOf(st *unix.Stat_t) fileStat {
	return fileStat{size: st.Size, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(), ino: st.Ino}
}

func (r *dirReader) close() {
	if r.dirFD >= 0 {
		unix.Close(r.dirFD)
		r.dirFD, r.dirName = -1, ""
	}
}
