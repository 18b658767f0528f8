package gitstore

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// packFile is one mapped pack and its version 2 index. Mapped memory is
// never handed out: every object is inflated into a new slice.
type packFile struct {
	pack   []byte // the .pack file
	fanout []byte // 256 big-endian counts
	names  []byte // n sorted 20-byte hashes
	offs   []byte // n 4-byte offsets
	large  []byte // 8-byte offsets for packs over 2 GiB
	n      int

	mu        sync.Mutex
	bases     map[int64]packObj // delta bases by offset
	baseBytes int
}

// packObj is a decoded object.
type packObj struct {
	typ  plumbing.ObjectType
	data []byte
}

const (
	maxPackObject = 64 << 20 // larger objects are left to go-git's streaming
	maxDeltaChain = 10000    // git's own limit on --depth is 4095
	baseBudget    = 16 << 20 // bytes of delta bases kept per pack
	ofsDelta      = 6
	refDelta      = 7
)

var errBadPack = errors.New("damaged pack entry")

// openPackFile maps base+".idx" and base+".pack".
func openPackFile(base string) (*packFile, error) {
	idx, err := mapFile(base + ".idx")
	if err != nil {
		return nil, err
	}
	pack, err := mapFile(base + ".pack")
	if err != nil {
		unmapFile(idx)
		return nil, err
	}
	p, err := newPackFile(idx, pack)
	if err != nil {
		unmapFile(idx)
		unmapFile(pack)
		return nil, fmt.Errorf("%s: %w", base, err)
	}
	runtime.AddCleanup(p, func(m [2][]byte) {
		unmapFile(m[0])
		unmapFile(m[1])
	}, [2][]byte{idx, pack})
	return p, nil
}

// newPackFile checks the index's layout and the pack's header.
func newPackFile(idx, pack []byte) (*packFile, error) {
	const hdr = 8 + 256*4
	if len(idx) < hdr+40 || string(idx[:4]) != "\xfftOc" || binary.BigEndian.Uint32(idx[4:8]) != 2 {
		return nil, errors.New("not a version 2 pack index")
	}
	if len(pack) < 12+20 || string(pack[:4]) != "PACK" {
		return nil, errors.New("not a pack")
	}
	if v := binary.BigEndian.Uint32(pack[4:8]); v != 2 && v != 3 {
		return nil, fmt.Errorf("pack version %d", v)
	}
	fanout := idx[8:hdr]
	n := int(binary.BigEndian.Uint32(fanout[255*4:]))
	rest := len(idx) - hdr - 40 - n*28 // what is left for large offsets
	if n < 0 || rest < 0 || rest%8 != 0 || int(binary.BigEndian.Uint32(pack[8:12])) != n {
		return nil, errors.New("index and pack do not match (incomplete?)")
	}
	// The index ends with the checksum of its pack, which ends the pack.
	if !bytes.Equal(idx[len(idx)-40:len(idx)-20], pack[len(pack)-20:]) {
		return nil, errors.New("index is not of this pack (incomplete?)")
	}
	names := idx[hdr : hdr+n*20]
	offs := idx[hdr+n*24 : hdr+n*28]
	return &packFile{
		pack: pack, fanout: fanout, names: names, offs: offs,
		large: idx[hdr+n*28 : hdr+n*28+rest], n: n,
		bases: map[int64]packObj{},
	}, nil
}

// find returns the offset of h in the pack.
func (p *packFile) find(h plumbing.Hash) (int64, bool) {
	defer runtime.KeepAlive(p)
	lo := 0
	if h[0] > 0 {
		lo = int(binary.BigEndian.Uint32(p.fanout[(int(h[0])-1)*4:]))
	}
	hi := int(binary.BigEndian.Uint32(p.fanout[int(h[0])*4:]))
	if lo > hi || hi > p.n {
		return 0, false
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch bytes.Compare(p.names[m*20:m*20+20], h[:]) {
		case 0:
			return p.offset(m)
		case -1:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, false
}

func (p *packFile) offset(i int) (int64, bool) {
	off := binary.BigEndian.Uint32(p.offs[i*4:])
	if off&0x80000000 == 0 {
		return int64(off), true
	}
	j := int(off&0x7fffffff) * 8
	if j+8 > len(p.large) {
		return 0, false
	}
	o := binary.BigEndian.Uint64(p.large[j:])
	return int64(o), o < uint64(len(p.pack))
}

// packEntry is the header of one pack entry.
type packEntry struct {
	off     int64 // of the header
	typ     byte
	size    int   // inflated size
	data    int64 // offset of the compressed data
	baseOff int64 // of the delta base: the entry's offset minus a distance
	baseRef plumbing.Hash
}

// object decodes the object at off, applying its chain of deltas. Every
// base on the way is kept for the next object whose chain passes there.
func (p *packFile) object(off int64) (plumbing.ObjectType, []byte, error) {
	defer runtime.KeepAlive(p)
	var chain []packEntry
	var obj packObj
	for {
		if len(chain) > maxDeltaChain {
			return 0, nil, fmt.Errorf("delta chain at %d: %w", off, errBadPack)
		}
		if b, ok := p.base(off); ok {
			obj = b
			if len(chain) == 0 { // the object itself was a base
				return b.typ, bytes.Clone(b.data), nil
			}
			break
		}
		e, err := p.header(off)
		if err != nil {
			return 0, nil, err
		}
		if e.typ != ofsDelta && e.typ != refDelta {
			data, err := p.inflate(e)
			if err != nil {
				return 0, nil, err
			}
			obj = packObj{typ: plumbing.ObjectType(e.typ), data: data}
			if len(chain) > 0 {
				p.keep(off, obj)
			}
			break
		}
		chain = append(chain, e)
		if off = e.baseOff; e.typ == refDelta {
			var ok bool
			if off, ok = p.find(e.baseRef); !ok {
				return 0, nil, fmt.Errorf("delta base %s not in the pack: %w", e.baseRef, errBadPack)
			}
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		delta, err := p.inflate(chain[i])
		if err != nil {
			return 0, nil, err
		}
		data, err := applyDelta(obj.data, delta)
		if err != nil {
			return 0, nil, fmt.Errorf("delta at %d: %w", chain[i].off, err)
		}
		obj = packObj{typ: obj.typ, data: data}
		if i > 0 {
			p.keep(chain[i].off, obj)
		}
	}
	return obj.typ, obj.data, nil
}

func (p *packFile) base(off int64) (packObj, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.bases[off]
	return b, ok
}

// keep remembers a delta base; past baseBudget bytes it starts again.
func (p *packFile) keep(off int64, o packObj) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.baseBytes+len(o.data) > baseBudget {
		clear(p.bases)
		p.baseBytes = 0
	}
	p.bases[off] = o
	p.baseBytes += len(o.data)
}

// header reads the entry header at off: type and size in the first bytes
// (3 bits of type, then the size 4 bits and 7 bits at a time), then for a
// delta its base as a distance back or a hash.
func (p *packFile) header(off int64) (packEntry, error) {
	e := packEntry{off: off}
	end := int64(len(p.pack)) - 20 // the trailing checksum
	if off < 12 || off >= end {
		return e, fmt.Errorf("offset %d: %w", off, errBadPack)
	}
	i := off
	c := p.pack[i]
	i++
	e.typ = (c >> 4) & 7
	size := uint64(c & 0x0f)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if i >= end || shift > 56 {
			return e, fmt.Errorf("entry at %d: %w", off, errBadPack)
		}
		c = p.pack[i]
		i++
		size |= uint64(c&0x7f) << shift
	}
	if size > maxPackObject || e.typ == 0 || e.typ == 5 {
		return e, fmt.Errorf("entry at %d: type %d size %d: %w", off, e.typ, size, errBadPack)
	}
	e.size = int(size)
	switch e.typ {
	case ofsDelta:
		var dist int64
		for n := 0; ; n++ {
			if i >= end || n > 8 {
				return e, fmt.Errorf("delta at %d: %w", off, errBadPack)
			}
			c = p.pack[i]
			i++
			if n > 0 {
				dist++
			}
			dist = dist<<7 | int64(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
		if e.baseOff = off - dist; dist <= 0 || e.baseOff < 12 {
			return e, fmt.Errorf("delta at %d: base out of the pack: %w", off, errBadPack)
		}
	case refDelta:
		if i+20 > end {
			return e, fmt.Errorf("delta at %d: %w", off, errBadPack)
		}
		copy(e.baseRef[:], p.pack[i:i+20])
		i += 20
	}
	e.data = i
	return e, nil
}

var zlibReaders sync.Pool // of io.ReadCloser that are zlib.Resetter

// inflate decompresses the entry's data, which must be exactly its size
// and end the zlib stream (whose checksum is then checked).
func (p *packFile) inflate(e packEntry) ([]byte, error) {
	src := bytes.NewReader(p.pack[e.data : len(p.pack)-20])
	zr, _ := zlibReaders.Get().(io.ReadCloser)
	var err error
	if zr == nil {
		zr, err = zlib.NewReader(src)
	} else {
		err = zr.(zlib.Resetter).Reset(src, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("entry at %d: %w: %w", e.off, errBadPack, err)
	}
	defer zlibReaders.Put(zr)
	out := make([]byte, e.size)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, fmt.Errorf("entry at %d: %w: %w", e.off, errBadPack, err)
	}
	var one [1]byte
	if n, err := zr.Read(one[:]); n != 0 || err != io.EOF {
		return nil, fmt.Errorf("entry at %d: longer than its size: %w", e.off, errBadPack)
	}
	return out, nil
}
