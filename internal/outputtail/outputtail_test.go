package outputtail

import (
	"strings"
	"testing"
)

func TestTail_KeepsTheLastBytesAndLines(t *testing.T) {
	t.Parallel()
	tail := New(64)
	if got := tail.Suffix(); got != "" {
		t.Errorf("empty tail: %q, want nothing", got)
	}
	for i := range 20 {
		tail.Write([]byte(strings.Repeat("x", i%3) + "line " + string(rune('a'+i)) + "\n"))
	}
	got := tail.Suffix()
	if !strings.HasPrefix(got, "; its output ends: ") || !strings.HasSuffix(got, "line t") || strings.Count(got, "|") != 4 {
		t.Errorf("suffix = %q, want the last five lines, ending with line t", got)
	}
	if len(tail.b) > 64 {
		t.Errorf("kept %d bytes, want at most 64", len(tail.b))
	}
}
