package sklearn

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func answer(rows, width uint32, values ...float64) []byte {
	b := []byte{0}
	b = binary.LittleEndian.AppendUint32(b, rows)
	b = binary.LittleEndian.AppendUint32(b, width)
	for _, v := range values {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func TestDecodeAnswer(t *testing.T) {
	t.Parallel()
	got, width, err := decodeAnswer(answer(2, 2, 0.25, 0.75, 1, 0), 2)
	if err != nil || width != 2 || len(got) != 4 || got[1] != 0.75 {
		t.Fatalf("decodeAnswer = %v, %d, %v", got, width, err)
	}
	var me *modelError
	if _, _, err := decodeAnswer(append([]byte{1}, "ValueError: bad"...), 1); !errors.As(err, &me) || me.msg != "ValueError: bad" {
		t.Errorf("a model error = %v", err)
	}
	for name, msg := range map[string][]byte{
		"rows of another request": answer(3, 1, 1, 2, 3),
		"width 0":                 answer(2, 0),
		"values missing":          answer(2, 1, 1),
		"unknown kind":            {7, 0, 0, 0, 0, 0, 0, 0, 0},
		"empty":                   {},
	} {
		if _, _, err := decodeAnswer(msg, 2); !errors.Is(err, errDied) {
			t.Errorf("%s: error %v, want errDied (the worker is not trusted again)", name, err)
		}
	}
}

// FuzzDecodeAnswer: no answer from a worker panics or yields values of
// another shape than the request's.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(answer(1, 1, 1), 1)
	f.Add(answer(2, 3, 1, 2, 3, 4, 5, 6), 2)
	f.Add([]byte("\x01error"), 1)
	f.Fuzz(func(t *testing.T, msg []byte, rows int) {
		if rows < 0 || rows > 1<<16 {
			return
		}
		got, width, err := decodeAnswer(msg, rows)
		if err == nil && (width < 1 || len(got) != rows*width) {
			t.Fatalf("%d values of width %d for %d rows", len(got), width, rows)
		}
	})
}

func TestInterpreter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	py := filepath.Join(dir, "python3")
	os.WriteFile(py, []byte("#!/bin/sh\n"), 0o755)
	tests := []struct {
		name, in string
		env      []string
		want     string
	}{
		{"a path is kept", "/opt/py/bin/python3", []string{"PATH=" + dir}, "/opt/py/bin/python3"},
		{"found on the workers' PATH", "python3", []string{"HOME=/x", "PATH=/nonexistent:" + dir}, py},
		{"the last PATH wins, as exec does", "python3", []string{"PATH=/nonexistent", "PATH=" + dir}, py},
		{"not on their PATH: left to this process's", "python3", []string{"PATH=/nonexistent"}, "python3"},
		{"no environment", "python3", nil, "python3"},
	}
	for _, tc := range tests {
		if got := interpreter(tc.in, tc.env); got != tc.want {
			t.Errorf("%s: interpreter(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
