package executor

import (
	"strings"
	"testing"

	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestRun_OutputNameNotUTF8FailsTheTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := pipe("p", sh("t", `echo x > "$MLCD_OUT/$(printf 'bad\377byte')" && echo ok > "$MLCD_OUT/good"`))
	r := e.run(p)
	rec := r.Task("t")
	want := `output "bad\xffbyte": file name is not valid UTF-8 (byte 0xff at offset 3)`
	if rec.Status != pipeline.StatusFailed || !strings.Contains(rec.Error, want) {
		t.Fatalf("status %s, error %q, want it to contain %q", rec.Status, rec.Error, want)
	}
	for _, o := range rec.Outputs {
		if strings.ContainsRune(o.Path, '\ufffd') {
			t.Errorf("output recorded under a replaced name: %q", o.Path)
		}
	}
	// A failed task is not cached: the next run runs it again and fails the same way.
	r = e.run(p)
	if rec := r.Task("t"); rec.CacheHit || rec.Status != pipeline.StatusFailed {
		t.Errorf("second run: status %s, cache hit %v", rec.Status, rec.CacheHit)
	}
}
