package reports

import (
	"strings"
	"testing"
	"testing/fstest"
)

// A run record nested past the bound is refused before it is decoded.
func TestReadRecord_RefusesADeeplyNestedRecord(t *testing.T) {
	t.Parallel()
	deep := `{"schema": 1, "id": "r", "pipeline": "p", "params": {"x": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}}`
	fsys := fstest.MapFS{"runs/p/r.json": {Data: []byte(deep)}}
	_, _, err := readRecord(fsys, "runs/p/r.json")
	if err == nil || !strings.Contains(err.Error(), "runs/p/r.json") || !strings.Contains(err.Error(), "nest") {
		t.Errorf("readRecord of a record nested 100,000 deep: %v, want a bound error naming the file", err)
	}
}
