// Package outputtail keeps the last bytes a supervised process wrote, so
// that an error about the process can quote how its output ended. The
// model servers mlcd supervises (command-flavor servers, sklearn workers)
// use it; it is not a log.
package outputtail

import (
	"io"
	"strings"
	"sync"
)

// Tail is an io.Writer that keeps the last bytes written to it; safe for
// concurrent use.
type Tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

var _ io.Writer = (*Tail)(nil)

// New returns a Tail that keeps the last n bytes.
func New(n int) *Tail { return &Tail{max: n} }

func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// Suffix is "; its output ends: <last lines>" (at most five, joined by
// " | "), or "" when nothing was written.
func (t *Tail) Suffix() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.b))
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return "; its output ends: " + strings.Join(lines, " | ")
}
