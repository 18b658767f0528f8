package executor

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mlcd-dev/mlcd/pipeline"
)

func TestDisplay_Plain(t *testing.T) {
	var buf bytes.Buffer
	d := newDisplay(&buf, false, 2)
	w := d.lines("train")
	w.Write([]byte("epoch 1\nepo"))
	w.Write([]byte("ch 2\npartial"))
	w.Flush()
	start := time.Now()
	d.finished(&pipeline.TaskRecord{Name: "train", Status: pipeline.StatusFailed, Start: start, End: start.Add(1500 * time.Millisecond), Error: "exit status 1"})
	d.finished(&pipeline.TaskRecord{Name: "prep", Status: pipeline.StatusSuccess, CacheHit: true})
	d.close()
	want := "[train] epoch 1\n[train] epoch 2\n[train] partial\n[train] failed in 1.5s: exit status 1\n[prep] cached\n"
	if buf.String() != want {
		t.Errorf("plain output:\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestDisplay_TerminalProgressLine(t *testing.T) {
	var buf bytes.Buffer
	d := newDisplay(&buf, true, 3)
	d.started()
	d.lines("a").Write([]byte("hello\n"))
	d.stopped()
	d.finished(&pipeline.TaskRecord{Name: "a", Status: pipeline.StatusFailed})
	d.close()
	out := buf.String()
	for _, want := range []string{"mlcd: 0/3 done, 1 running, 0 failed", "\r\x1b[K[a] hello\n", "mlcd: 1/3 done, 0 running, 1 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("the progress line is not cleared at the end: %q", out)
	}
}

func TestDisplay_LongLineWithoutNewline(t *testing.T) {
	var buf bytes.Buffer
	d := newDisplay(&buf, false, 1)
	w := d.lines("t")
	w.Write(bytes.Repeat([]byte("x"), maxPartial+10))
	w.Flush()
	if n := strings.Count(buf.String(), "[t] "); n != 1 || !strings.HasSuffix(buf.String(), "x\n") {
		t.Errorf("%d prefixes in %d bytes", n, buf.Len())
	}
}
