package registry

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

// The version index (see index.go) stores each parsed Version in a small
// binary form, so that a hit costs a decode instead of the file's read and
// parse. versionFields is how many fields Version has: a test fails when
// one is added, so that the codec and indexFormat are updated with it.
const versionFields = 17

var errIndexCorrupt = errors.New("corrupt registry index")

// Param value tags.
const (
	paramFalse byte = iota
	paramTrue
	paramInt
	paramFloat
	paramString
)

type indexWriter struct{ b []byte }

func (w *indexWriter) uvarint(n uint64) { w.b = binary.AppendUvarint(w.b, n) }
func (w *indexWriter) varint(n int64)   { w.b = binary.AppendVarint(w.b, n) }
func (w *indexWriter) str(s string)     { w.uvarint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *indexWriter) float(x float64) {
	w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
}

// encodeVersion appends v; ok is false for a version it cannot hold (a
// param of another type than the four Params allow).
func (w *indexWriter) encodeVersion(v *Version) bool {
	w.varint(int64(v.Schema))
	w.str(v.Model)
	w.varint(int64(v.Version))
	w.str(string(v.Stage))
	w.uvarint(uint64(len(v.Aliases)))
	for _, a := range v.Aliases {
		w.str(a)
	}
	for _, s := range []string{v.Description, v.RunID, v.Pipeline, v.Task, v.Commit, v.Artifact.File, v.Artifact.SHA256} {
		w.str(s)
	}
	w.varint(v.Artifact.Size)
	w.str(v.Flavor)
	w.str(v.Serve)
	w.str(v.InputExample)
	w.uvarint(uint64(len(v.Metrics)))
	for k, x := range v.Metrics {
		w.str(k)
		w.float(x)
	}
	w.uvarint(uint64(len(v.Params)))
	for k, p := range v.Params {
		w.str(k)
		switch x := p.(type) {
		case bool:
			tag := paramFalse
			if x {
				tag = paramTrue
			}
			w.b = append(w.b, tag)
		case int64:
			w.b = append(w.b, paramInt)
			w.varint(x)
		case float64:
			w.b = append(w.b, paramFloat)
			w.float(x)
		case string:
			w.b = append(w.b, paramString)
			w.str(x)
		default:
			return false
		}
	}
	w.varint(v.Created.Unix())
	w.varint(int64(v.Created.Nanosecond()))
	return true
}

// indexReader reads what indexWriter wrote; strings are slices of src.
// After the first problem every read returns zero and err is set.
type indexReader struct {
	src string
	err error
}

func (r *indexReader) fail() { r.err, r.src = errIndexCorrupt, "" }

func (r *indexReader) uvarint() uint64 {
	n, k := binary.Uvarint([]byte(r.src[:min(len(r.src), binary.MaxVarintLen64)]))
	if k <= 0 {
		r.fail()
		return 0
	}
	r.src = r.src[k:]
	return n
}

func (r *indexReader) varint() int64 {
	n, k := binary.Varint([]byte(r.src[:min(len(r.src), binary.MaxVarintLen64)]))
	if k <= 0 {
		r.fail()
		return 0
	}
	r.src = r.src[k:]
	return n
}

func (r *indexReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.src)) { // every item takes at least a byte
		r.fail()
		return 0
	}
	return int(n)
}

func (r *indexReader) str() string {
	n := r.count()
	s := r.src[:n]
	r.src = r.src[n:]
	return s
}

func (r *indexReader) byte() byte {
	if r.src == "" {
		r.fail()
		return 0
	}
	c := r.src[0]
	r.src = r.src[1:]
	return c
}

func (r *indexReader) float() float64 {
	if len(r.src) < 8 {
		r.fail()
		return 0
	}
	x := math.Float64frombits(binary.LittleEndian.Uint64([]byte(r.src[:8])))
	r.src = r.src[8:]
	return x
}

func (r *indexReader) decodeVersion() *Version {
	v := &Version{Schema: int(r.varint()), Model: r.str(), Version: int(r.varint()), Stage: Stage(r.str())}
	if n := r.count(); n > 0 {
		v.Aliases = make([]string, n)
		for i := range v.Aliases {
			v.Aliases[i] = r.str()
		}
	}
	v.Description, v.RunID, v.Pipeline, v.Task, v.Commit = r.str(), r.str(), r.str(), r.str(), r.str()
	v.Artifact = Artifact{File: r.str(), SHA256: r.str(), Size: r.varint()}
	v.Flavor, v.Serve, v.InputExample = r.str(), r.str(), r.str()
	if n := r.count(); n > 0 {
		v.Metrics = make(map[string]float64, n)
		for range n {
			k := r.str()
			v.Metrics[k] = r.float()
		}
	}
	if n := r.count(); n > 0 {
		v.Params = make(pipeline.Params, n)
		for range n {
			v.Params[r.str()] = r.param()
		}
	}
	v.Created = time.Unix(r.varint(), r.varint()).UTC()
	if r.err != nil {
		return nil
	}
	return v
}

func (r *indexReader) param() any {
	switch r.byte() {
	case paramFalse:
		return false
	case paramTrue:
		return true
	case paramInt:
		return r.varint()
	case paramFloat:
		return r.float()
	case paramString:
		return r.str()
	}
	r.fail()
	return nil
}
