package registry

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"github.com/mlcd-dev/mlcd/internal/atomicfile"
)

// The version index lets LoadDir skip the files of a working tree that
// did not change since an earlier LoadDir of it, in any process: it keeps
// each version file's bytes, its parsed Version and what stat said of it
// (size, modification and change times, inode). A file whose stat still
// says the same is taken from the index with one stat call, where reading
// it costs an open, a read and a close, and parsing it more than all
// three.
//
// It lives in the checkout's git folder (.git/mlcd-registry.index, which
// git ignores) and is only a cache: a missing, damaged or older-format
// index is ignored and written again, and a failed write is ignored.
//
// A file changed in the same clock tick as it was read cannot be told
// from the file as read, so the index holds only files that had not
// changed for indexMinAge when they were read (git's "racily clean"
// problem, solved by waiting).
const (
	indexName   = "mlcd-registry.index"
	indexMagic  = "mlcd registry index\n"
	indexFormat = 1
	indexMinAge = time.Second
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// fileStat is what the index compares to tell an unchanged file.
type fileStat struct {
	size, mtime, ctime int64 // times in nanoseconds
	ino                uint64
}

// before reports whether the file last changed before t (nanoseconds).
func (st fileStat) before(t int64) bool { return st.mtime < t && st.ctime < t }

// indexed is one file of the index.
type indexed struct {
	st fileStat
	e  entry
}

// versionIndex is the index as read, by path.
type versionIndex struct {
	files map[string]indexed
}

// indexPath is the index of the checkout at dir, or "" when dir has no
// .git folder.
func indexPath(dir string) string {
	git := filepath.Join(dir, ".git")
	if fi, err := os.Stat(git); err != nil || !fi.IsDir() {
		return ""
	}
	return filepath.Join(git, indexName)
}

// readIndex reads the index at p; nil when there is none or it cannot be
// trusted.
func readIndex(p string) *versionIndex {
	data, err := os.ReadFile(p)
	if err != nil || len(data) < len(indexMagic)+4 {
		return nil
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, crcTable) != sum {
		return nil
	}
	// The strings of every entry are slices of data, which no one changes.
	idx, err := decodeIndex(unsafe.String(&body[0], len(body)))
	if err != nil {
		return nil
	}
	return idx
}

func decodeIndex(src string) (*versionIndex, error) {
	rest, ok := strings.CutPrefix(src, indexMagic)
	if !ok {
		return nil, errIndexCorrupt
	}
	r := &indexReader{src: rest}
	if r.uvarint() != indexFormat {
		return nil, errIndexCorrupt
	}
	n := r.count()
	idx := &versionIndex{files: make(map[string]indexed, n)}
	for range n {
		p := r.str()
		st := fileStat{size: r.varint(), mtime: r.varint(), ctime: r.varint(), ino: r.uvarint()}
		data := r.str()
		v := r.decodeVersion()
		if r.err != nil {
			return nil, r.err
		}
		idx.files[p] = indexed{st: st, e: entry{data: data, v: v}}
	}
	if r.src != "" {
		return nil, errIndexCorrupt
	}
	return idx, nil
}

// lookup returns the indexed file at p when st says it is unchanged.
func (x *versionIndex) lookup(p string, st fileStat) (entry, bool) {
	if x == nil {
		return entry{}, false
	}
	f, ok := x.files[p]
	return f.e, ok && f.st == st
}

// writeIndexIfStale writes the index at p again after a LoadDir that read
// files rather than finding them in the old index (misses, with what stat
// said of them): when there was no index, or enough of them can now be
// indexed (a few changed files are cheaper to read again than the index
// is to write). Files changed at or after settled (nanoseconds, Unix
// time) are left out.
func writeIndexIfStale(p string, old *versionIndex, files map[string]entry, misses map[string]fileStat, settled int64) {
	newer := 0
	for path, st := range misses {
		if _, ok := files[path]; ok && st.before(settled) {
			newer++
		}
	}
	if newer == 0 || old != nil && newer < max(16, len(files)/64) {
		return
	}
	keep := make(map[string]indexed, len(files))
	for path, e := range files {
		st, ok := misses[path]
		if !ok {
			if old == nil {
				continue
			}
			f, found := old.files[path] // found in the index: unchanged
			if !found || f.e.data != e.data {
				continue
			}
			st = f.st
		}
		if st.before(settled) {
			keep[path] = indexed{st: st, e: e}
		}
	}
	_ = atomicfile.WriteFile(p, encodeIndex(keep), 0o644) // a cache: a failed write only costs the next read
}

// encodeIndex writes the index of files; a version it cannot hold is left
// out, and is read and parsed each time.
func encodeIndex(files map[string]indexed) []byte {
	w := &indexWriter{b: make([]byte, 0, 1024*len(files))}
	w.b = append(w.b, indexMagic...)
	w.uvarint(indexFormat)
	start := len(w.b)
	n := 0
	w.uvarint(uint64(len(files)))
	for p, f := range files {
		mark := len(w.b)
		w.str(p)
		w.varint(f.st.size)
		w.varint(f.st.mtime)
		w.varint(f.st.ctime)
		w.uvarint(f.st.ino)
		w.str(f.e.data)
		if !w.encodeVersion(f.e.v) {
			w.b = w.b[:mark]
			continue
		}
		n++
	}
	if n != len(files) { // write the count of what is there
		body := w.b[start:]
		_, k := binary.Uvarint(body)
		w.b = append(binary.AppendUvarint(w.b[:start:start], uint64(n)), body[k:]...)
	}
	return binary.LittleEndian.AppendUint32(w.b, crc32.Checksum(w.b, crcTable))
}
