package freeport

import (
	"net"
	"strconv"
	"testing"
)

func TestPick_OutsideTheEphemeralRange(t *testing.T) {
	eLo, eHi := ephemeral()
	ports, err := PickN(20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p >= eLo && p <= eHi {
			t.Errorf("port %d is in the ephemeral range %d-%d", p, eLo, eHi)
		}
		if p < low {
			t.Errorf("port %d is below %d", p, low)
		}
		if seen[p] {
			t.Errorf("port %d picked twice", p)
		}
		seen[p] = true
		// The port is free: a server can listen on it.
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Errorf("listen on picked port %d: %v", p, err)
			continue
		}
		ln.Close()
	}
}

func TestFree_HeldPortIsNotFree(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if free(port) {
		t.Errorf("port %d is held by a listener but free says it is free", port)
	}
	// A connected socket holds its port too: the case picks avoid.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if local := c.LocalAddr().(*net.TCPAddr).Port; free(local) {
		t.Errorf("port %d is held by a connection but free says it is free", local)
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in     string
		lo, hi int
		ok     bool
	}{
		{"32768\t60999\n", 32768, 60999, true},
		{"1024 65535", 1024, 65535, true},
		{"", 0, 0, false},
		{"32768", 0, 0, false},
		{"60999 32768", 0, 0, false},
		{"0 100", 0, 0, false},
		{"1 70000", 0, 0, false},
		{"a b", 0, 0, false},
	} {
		lo, hi, err := parseRange(tc.in)
		if (err == nil) != tc.ok || lo != tc.lo || hi != tc.hi {
			t.Errorf("parseRange(%q) = %d, %d, %v; want %d, %d, ok=%v", tc.in, lo, hi, err, tc.lo, tc.hi, tc.ok)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"32768\t60999\n", "1024 65535", "", "60999 32768", "1 2 3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lo, hi, err := parseRange(s)
		if err == nil && (lo < 1 || hi > 65535 || lo > hi) {
			t.Errorf("parseRange(%q) = %d, %d without error", s, lo, hi)
		}
	})
}

func TestSpanFor(t *testing.T) {
	for _, tc := range []struct{ eLo, eHi, lo, hi int }{
		{32768, 60999, low, 32767},   // Linux's default: below the range
		{1024, 40000, 40001, 65535},  // range starts low: above it
		{1024, 65000, low, 65535},    // no room either side
		{11000, 64999, low, 10999},   // just enough room below
		{10500, 64000, 64001, 65535}, // too little below, enough above
	} {
		lo, hi := spanFor(tc.eLo, tc.eHi)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("spanFor(%d, %d) = %d-%d, want %d-%d", tc.eLo, tc.eHi, lo, hi, tc.lo, tc.hi)
		}
	}
}
