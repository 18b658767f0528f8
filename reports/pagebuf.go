package reports

import "sync"

// A full build renders 20,000 pages of 30 to 150 KiB. Allocating a fresh
// buffer for each made the garbage collector and the kernel (zeroing new
// pages) a tenth of the build; the buffers pages are rendered into are
// recycled once the page is written.
var pageBufs sync.Pool // of *[]byte

// Buffers outside these bounds are not kept: small ones are cheap, and
// one huge page should not pin its buffer.
const (
	minPooledBuf = 16 << 10
	maxPooledBuf = 4 << 20
)

// getBuf returns an empty buffer with room for at least size bytes.
func getBuf(size int) []byte {
	if p, ok := pageBufs.Get().(*[]byte); ok {
		if cap(*p) >= size {
			return (*p)[:0]
		}
	}
	return make([]byte, 0, size)
}

// putBuf gives b back for another page; the caller must not use it after.
func putBuf(b []byte) {
	if cap(b) < minPooledBuf || cap(b) > maxPooledBuf {
		return
	}
	b = b[:0]
	pageBufs.Put(&b)
}
