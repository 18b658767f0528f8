// Package freeport picks TCP ports for servers that mlcd, or a test, starts
// as another process and tells which port to listen on (`--port {port}`).
//
// Such a port is free when picked and bound by the server a moment later.
// A port from the kernel's ephemeral range (port 0's answer) can be taken
// in between by any outgoing connection on the machine, and the server then
// exits with "address already in use". Picks here come from below that
// range, where the kernel never assigns a port on its own, so only another
// explicit pick can collide, and that one listens, which callers detect.
package freeport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// low is the lowest port picked: above the ports services commonly use.
const low = 10000

// attempts bounds the candidates tried by one pick.
const attempts = 64

// Pick returns a TCP port that no socket on this machine uses now, chosen
// at random outside the kernel's ephemeral range.
func Pick() (int, error) {
	ports, err := PickN(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// PickN returns n distinct ports as Pick does.
func PickN(n int) ([]int, error) {
	lo, hi := span()
	var ports []int
	seen := map[int]bool{}
	for tries := 0; len(ports) < n; tries++ {
		if tries == attempts*n {
			return nil, fmt.Errorf("pick %d free ports in %d-%d: none free after %d tries", n, lo, hi, tries)
		}
		p := lo + rand.IntN(hi-lo+1)
		if seen[p] || !free(p) {
			continue
		}
		seen[p] = true
		ports = append(ports, p)
	}
	return ports, nil
}

// free reports whether a listener can be bound to port on every address,
// which fails when any socket, listening or connected, holds it.
func free(port int) bool {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// span is the range picks come from: [low, start of the ephemeral range),
// or above the ephemeral range when it starts too low to leave room below.
var span = sync.OnceValues(func() (int, int) { return spanFor(ephemeral()) })

func spanFor(eLo, eHi int) (int, int) {
	switch {
	case eLo-low >= 1000:
		return low, eLo - 1
	case 65535-eHi >= 1000:
		return eHi + 1, 65535
	default:
		// No room outside: pick anywhere above low and rely on the
		// caller's check that the server really listens.
		return low, 65535
	}
}

// ephemeral reads the kernel's ephemeral port range; Linux's default when
// it cannot be read.
func ephemeral() (int, int) {
	lo, hi, err := parseRange(readRange())
	if err != nil {
		return 32768, 60999
	}
	return lo, hi
}

func readRange() string {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return ""
	}
	return string(b)
}

// parseRange parses ip_local_port_range: two port numbers separated by
// white space.
func parseRange(s string) (int, int, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("port range %q: want two numbers", s)
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("port range %q: %w", s, err)
	}
	if lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("port range %q: out of order or out of 1-65535", s)
	}
	return lo, hi, nil
}
