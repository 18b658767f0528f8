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
		MetricKeys: nameIDs{1, 200, 70000}}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(in); err != nil {
		t.Fatal(err)
	}
	var out runRow
	if err := gob.NewDecoder(&buf).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, &out, cmp.AllowUnexported(runRow{})); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

func TestManifest_BadPackedFields(t *testing.T) {
	var ids nameIDs
	if err := ids.GobDecode([]byte{0xff}); err == nil {
		t.Error("a cut varint decoded as a name id")
	}
}
