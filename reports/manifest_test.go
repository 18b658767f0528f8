package reports

import (
	"bytes"
	"encoding/gob"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestManifest_GobRoundTrip(t *testing.T) {
	in := &runRow{File: "runs/p/x.json", ParamKeys: nameIDs{0, 3, math.MaxInt32},
		MetricKeys: nameIDs{1, 200, 70000}, MetricVals: packedFloats{0.5, math.NaN(), math.Inf(-1), math.Copysign(0, -1), 1e300}}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(in); err != nil {
		t.Fatal(err)
	}
	var out runRow
	if err := gob.NewDecoder(&buf).Decode(&out); err != nil {
		t.Fatal(err)
	}
	bits := cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })
	if diff := cmp.Diff(in, &out, bits); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

func TestManifest_BadPackedFields(t *testing.T) {
	var f packedFloats
	if err := f.GobDecode([]byte{1, 2, 3}); err == nil {
		t.Error("3 bytes decoded as doubles")
	}
	var ids nameIDs
	if err := ids.GobDecode([]byte{0xff}); err == nil {
		t.Error("a cut varint decoded as a name id")
	}
}
