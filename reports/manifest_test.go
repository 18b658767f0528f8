package reports

import (
	"bytes"
	"encoding/gob"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestManifest_GobRoundTrip(t *testing.T) {
	in := &runRow{File: "runs/p/x.json", ParamKeys: nameIDs{0, 3, math.MaxInt32},
		MetricSet: 2}
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

func TestManifest_KeySetsRoundTrip(t *testing.T) {
	dir, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	m := &manifest{Version: manifestVersion(), Tool: "t", Pages: map[string]string{"a.html": "h"}, names: newInterner([]string{"x", "y", "z"}),
		Rows: []*runRow{
			{File: "runs/p/1.json", metricKeys: nameIDs{0, 1}},
			{File: "runs/p/2.json", metricKeys: nameIDs{0, 1}},
			{File: "runs/p/3.json", metricKeys: nameIDs{2}},
			{File: "runs/p/4.json"},
		}}
	if err := writeManifest(newSiteWriter(dir), m); err != nil {
		t.Fatal(err)
	}
	if len(m.KeySets) != 3 {
		t.Errorf("key sets = %v, want 3 distinct", m.KeySets)
	}
	got := readManifest(dir, "t")
	if !got.current || got.Pages["a.html"] != "h" {
		t.Fatalf("manifest read back: current %v, pages %v", got.current, got.Pages)
	}
	for _, r := range m.Rows {
		back := got.runs[r.File]
		if back == nil || !slices.Equal(back.metricKeys, r.metricKeys) {
			t.Errorf("%s: metric names %v, want %v", r.File, back, r.metricKeys)
		}
	}
	if other := readManifest(dir, "other templates"); other.current || len(other.Pages) != 0 || len(other.runs) != 4 {
		t.Errorf("a manifest of other templates: current %v, %d pages, %d runs; want false, 0, 4", other.current, len(other.Pages), len(other.runs))
	}
}

func TestManifest_PageHashesRoundTrip(t *testing.T) {
	in := pageHashes{"index.html": "ab12", "runs/p/x.html": "", "": "h", "runs/é/\x00.html": strings.Repeat("f", 300)}
	b, err := in.GobEncode()
	if err != nil {
		t.Fatal(err)
	}
	var out pageHashes
	if err := out.GobDecode(b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	for _, bad := range [][]byte{{0x05, 'a'}, {0x01, 'a'}, {0xff}, {0x01, 'a', 0x09, 'b'}} {
		if err := out.GobDecode(bad); err == nil {
			t.Errorf("%q decoded as a page list", bad)
		}
	}
}

func FuzzManifest_PageHashes(f *testing.F) {
	seed, _ := pageHashes{"index.html": "ab12", "runs/p/x.html": "cd"}.GobEncode()
	f.Add(seed)
	f.Add([]byte{0x01, 'a'})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p pageHashes
		if err := p.GobDecode(b); err != nil {
			return
		}
		again, err := p.GobEncode()
		if err != nil {
			t.Fatal(err)
		}
		var q pageHashes
		if err := q.GobDecode(again); err != nil {
			t.Fatalf("re-encoded list does not decode: %v", err)
		}
		if !maps.Equal(p, q) {
			t.Errorf("round trip changed the list: %v, then %v", p, q)
		}
	})
}

func FuzzManifest_Values(f *testing.F) {
	seed, _ := floats{0.5, math.Inf(1), -1e300}.GobEncode()
	f.Add(seed)
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		var v floats
		if err := v.GobDecode(b); err != nil {
			if len(b)%8 == 0 {
				t.Errorf("%d bytes, a whole number of values, refused: %v", len(b), err)
			}
			return
		}
		again, _ := v.GobEncode()
		if !slices.Equal(again, b) && len(b) > 0 {
			t.Errorf("values %x encode again as %x", b, again)
		}
	})
}
