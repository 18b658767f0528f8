package executor

import (
	"bytes"
	"io"
	"slices"
)

// secretMask is what a secret's value is replaced with in task output.
const secretMask = "***"

// maskValues returns the values of secrets, longest first, so that a
// secret holding another is masked whole.
func maskValues(secrets map[string]string) []string {
	var vals []string
	for _, v := range secrets {
		if v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	slices.SortFunc(vals, func(a, b string) int { return len(b) - len(a) })
	return vals
}

// masker writes a stream to w with every secret value replaced by
// secretMask. A secret can be cut between two writes (the pipe gives the
// output in chunks), so the tail of a write that could begin a secret is
// held back until the next write, or Flush, says whether it does.
type masker struct {
	w       io.Writer
	secrets [][]byte // longest first
	pending []byte
	out     []byte // reused for what Write writes
}

func newMasker(w io.Writer, secrets []string) *masker {
	m := &masker{w: w}
	for _, s := range secrets {
		m.secrets = append(m.secrets, []byte(s))
	}
	return m
}

// Write masks p and writes what is settled; it always takes all of p.
func (m *masker) Write(p []byte) (int, error) {
	if len(m.secrets) == 0 {
		return len(p), m.write(p)
	}
	m.pending = append(m.pending, p...)
	return len(p), m.settle(len(m.pending) - m.heldBack())
}

// settle masks and writes pending up to hold, and keeps the rest. Before
// hold, each position is settled: a secret matched there (the longest) is
// masked, and no longer one can still complete. A match may end past
// hold; what follows it stays pending.
func (m *masker) settle(hold int) error {
	out := m.out[:0]
	last, i := 0, 0
	for i < hold {
		s := m.match(m.pending[i:])
		if s == 0 {
			i++
			continue
		}
		out = append(append(out, m.pending[last:i]...), secretMask...)
		i += s
		last = i
	}
	out = append(out, m.pending[last:i]...)
	m.out = out
	m.pending = append(m.pending[:0], m.pending[i:]...)
	return m.write(out)
}

// match is the length of the longest secret b starts with, or 0.
func (m *masker) match(b []byte) int {
	for _, s := range m.secrets { // longest first
		if len(b) > 0 && b[0] == s[0] && bytes.HasPrefix(b, s) {
			return len(s)
		}
	}
	return 0
}

// heldBack is the length of the longest tail of pending that is the start
// of a secret.
func (m *masker) heldBack() int {
	longest := 0
	for _, s := range m.secrets {
		for n := min(len(s)-1, len(m.pending)); n > longest; n-- {
			if bytes.HasSuffix(m.pending, s[:n]) {
				longest = n
				break
			}
		}
	}
	return longest
}

// Flush masks and writes what is held back: the stream has ended, so
// no longer secret can complete it.
func (m *masker) Flush() error {
	return m.settle(len(m.pending))
}

func (m *masker) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	_, err := m.w.Write(p)
	return err
}
