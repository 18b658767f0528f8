package gitstore

import (
	"errors"
)

var errBadDelta = errors.New("damaged delta")

// applyDelta rebuilds an object from its base and a git delta: the base's
// size and the result's size as little-endian base-128 numbers, then
// instructions that copy a range of the base (high bit set; which offset
// and size bytes follow is in the low seven bits) or insert the next 1 to
// 127 bytes of the delta.
func applyDelta(base, delta []byte) ([]byte, error) {
	srcSize, delta, ok := deltaSize(delta)
	if !ok || srcSize != uint64(len(base)) {
		return nil, errBadDelta
	}
	dstSize, delta, ok := deltaSize(delta)
	if !ok || dstSize > maxPackObject {
		return nil, errBadDelta
	}
	out := make([]byte, 0, dstSize)
	for len(delta) > 0 {
		cmd := delta[0]
		delta = delta[1:]
		switch {
		case cmd&0x80 != 0:
			var off, size uint64
			var fields [7]uint64
			for i := range 7 {
				if cmd&(1<<i) == 0 {
					continue
				}
				if len(delta) == 0 {
					return nil, errBadDelta
				}
				fields[i] = uint64(delta[0])
				delta = delta[1:]
			}
			off = fields[0] | fields[1]<<8 | fields[2]<<16 | fields[3]<<24
			size = fields[4] | fields[5]<<8 | fields[6]<<16
			if size == 0 {
				size = 0x10000
			}
			if off+size > uint64(len(base)) || uint64(len(out))+size > dstSize {
				return nil, errBadDelta
			}
			out = append(out, base[off:off+size]...)
		case cmd != 0:
			n := int(cmd)
			if n > len(delta) || uint64(len(out)+n) > dstSize {
				return nil, errBadDelta
			}
			out = append(out, delta[:n]...)
			delta = delta[n:]
		default:
			return nil, errBadDelta // reserved
		}
	}
	if uint64(len(out)) != dstSize {
		return nil, errBadDelta
	}
	return out, nil
}

// deltaSize reads a size at the start of a delta.
func deltaSize(b []byte) (uint64, []byte, bool) {
	var n uint64
	for i, shift := 0, 0; i < len(b) && shift < 64; i, shift = i+1, shift+7 {
		n |= uint64(b[i]&0x7f) << shift
		if b[i]&0x80 == 0 {
			return n, b[i+1:], true
		}
	}
	return 0, nil, false
}
