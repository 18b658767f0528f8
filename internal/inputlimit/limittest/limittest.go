// Package limittest helps fuzz tests hold a parser to a memory bound: seed
// inputs that are deeply nested, oversized or full of aliases, and a check
// of the bytes one call allocates.
package limittest

import (
	"runtime"
	"strings"
	"testing"
)

// YAMLSeeds are hostile YAML inputs of about size bytes: nested flow
// lists and mappings, nested block lists and mappings, an alias bomb, and
// a file just larger than size.
func YAMLSeeds(size int) [][]byte {
	n := size / 2
	var indented strings.Builder
	for i := 0; indented.Len() < size; i++ {
		indented.WriteString(strings.Repeat(" ", i%4000) + "k:\n")
	}
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for c := 'b'; c <= 'l'; c++ {
		bomb += string(c) + ": &" + string(c) + " [" + strings.Repeat("*"+string(c-1)+", ", 9) + "*" + string(c-1) + "]\n"
	}
	return [][]byte{
		[]byte("x: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n"),
		[]byte("x: " + strings.Repeat("{a: ", n/4) + "1" + strings.Repeat("}", n/4) + "\n"),
		[]byte("x:\n" + strings.Repeat("- ", n) + "a\n"),
		[]byte(indented.String()),
		[]byte(bomb),
		[]byte(strings.Repeat("# a comment line\n", size/16+1)),
	}
}

// JSONSeeds are hostile JSON inputs of about size bytes.
func JSONSeeds(size int) [][]byte {
	n := size / 2
	return [][]byte{
		[]byte(strings.Repeat("[", n) + strings.Repeat("]", n)),
		[]byte(strings.Repeat(`{"a":`, n/5) + "1" + strings.Repeat("}", n/5)),
		[]byte(`{"id": "` + strings.Repeat("x", size) + `"}`),
	}
}

// Bound is the most a parser may allocate for an input of n bytes: a
// fixed 16 MiB, and 256 bytes per input byte.
func Bound(n int) uint64 { return 16<<20 + 256*uint64(n) }

// Allocs fails t when fn allocates more than Bound(n) bytes. Run it where
// no other test allocates at the same time (a fuzz target is).
func Allocs(t testing.TB, n int, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > Bound(n) {
		t.Fatalf("parsing %d bytes allocated %d MiB, more than the bound of %d MiB", n, got>>20, Bound(n)>>20)
	}
}
