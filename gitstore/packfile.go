package gitstore

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
)

// packObject is an object a commit adds, kept in memory so the push can
// send it without reading it back.
type packObject struct {
	typ  plumbing.ObjectType
	data []byte
}

// newObjects collects the objects a commit adds, which are exactly what a
// push must send: the remote has the parent and everything under it.
type newObjects []packObject

// writePack writes objs as a version 2 packfile without deltas. It
// compresses for speed: a record's commit rewrites its folder's tree, which
// for a folder of 10,000 runs is ~600 KB of mostly incompressible hashes,
// and go-git's encoder (default level) spent most of a Publish on it.
func writePack(w io.Writer, objs newObjects) error {
	sum := sha1.New()
	out := io.MultiWriter(w, sum)
	var hdr [12]byte
	copy(hdr[:4], "PACK")
	binary.BigEndian.PutUint32(hdr[4:8], 2)
	binary.BigEndian.PutUint32(hdr[8:12], uint32(len(objs)))
	if _, err := out.Write(hdr[:]); err != nil {
		return err
	}
	zw, err := zlib.NewWriterLevel(out, zlib.BestSpeed)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if _, err := out.Write(entryHeader(o.typ, len(o.data))); err != nil {
			return err
		}
		zw.Reset(out)
		if _, err := zw.Write(o.data); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("compress %s: %w", o.typ, err)
		}
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// entryHeader is a pack entry's type and size: 3 bits of type and 4 bits of
// size in the first byte, then 7 bits of size per byte, low bits first.
func entryHeader(t plumbing.ObjectType, size int) []byte {
	var b bytes.Buffer
	c := byte(t)<<4 | byte(size&0x0f)
	size >>= 4
	for size > 0 {
		b.WriteByte(c | 0x80)
		c = byte(size & 0x7f)
		size >>= 7
	}
	b.WriteByte(c)
	return b.Bytes()
}
