package backoff

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestPolicy_Delay(t *testing.T) {
	const top = 0.999999999 // the largest rnd, near enough
	doubling := Policy{First: time.Second, Factor: 2, Max: 5 * time.Second}
	tests := []struct {
		name string
		p    Policy
		n    int
		rnd  float64
		want time.Duration
	}{
		{"first, no jitter", doubling, 1, 0, 500 * time.Millisecond},
		{"first, full jitter", doubling, 1, top, time.Second},
		{"second", doubling, 2, 0, time.Second},
		{"third, half jitter", doubling, 3, 0.5, 3 * time.Second},
		{"capped", doubling, 4, 0, 2500 * time.Millisecond},
		{"capped far out", doubling, 60, top, 5 * time.Second},
		{"factor below 1 is constant", Policy{First: time.Second, Factor: 0.5}, 3, 0, 500 * time.Millisecond},
		{"no factor is constant", Policy{First: time.Second}, 7, top, time.Second},
		{"fractional factor", Policy{First: time.Second, Factor: 1.5}, 3, 0, 1125 * time.Millisecond},
		{"n below 1 is the first", doubling, 0, 0, 500 * time.Millisecond},
		{"zero first", Policy{Factor: 2, Max: time.Second}, 3, top, 0},
	}
	for _, tt := range tests {
		got := tt.p.Delay(tt.n, func() float64 { return tt.rnd })
		if diff := got - tt.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("%s: Delay(%d, %v) = %s, want %s", tt.name, tt.n, tt.rnd, got, tt.want)
		}
	}
}

// With no cap and a wait that outgrows a Duration, the wait stays large
// and positive instead of wrapping around.
func TestPolicy_DelayDoesNotOverflow(t *testing.T) {
	p := Policy{First: time.Hour, Factor: 10}
	for _, n := range []int{30, 100, 1 << 20} {
		if d := p.Delay(n, func() float64 { return 0.999999999 }); d < 100*365*24*time.Hour {
			t.Errorf("Delay(%d) = %s, want a wait of years, not an overflow", n, d)
		}
	}
}

// Every jittered wait lies in [d/2, d]: callers that failed together spread
// over the upper half of the wait.
func TestPolicy_DelayJitterBounds(t *testing.T) {
	p := Policy{First: 50 * time.Millisecond, Factor: 2, Max: 2 * time.Second}
	for n := 1; n <= 8; n++ {
		d := p.ceiling(n)
		lo, hi := d, time.Duration(0)
		for range 200 {
			got := p.Delay(n, rand.Float64)
			if got < d/2 || got > d {
				t.Fatalf("Delay(%d) = %s, outside [%s, %s]", n, got, d/2, d)
			}
			lo, hi = min(lo, got), max(hi, got)
		}
		if hi-lo < d/8 {
			t.Errorf("Delay(%d): 200 waits within %s of each other: no jitter", n, hi-lo)
		}
	}
	if got := p.ceiling(8); got != 2*time.Second {
		t.Errorf("ceiling(8) = %s, want the 2s cap", got)
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep of 1ms: %v", err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, d := range []time.Duration{0, -time.Second, time.Hour} {
		if err := Sleep(done, d); !errors.Is(err, context.Canceled) {
			t.Errorf("Sleep(%s) on an ended context: %v, want context.Canceled", d, err)
		}
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0): %v", err)
	}
}

// A wait ends when its context does, not when its time is up.
func TestSleep_endsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- Sleep(ctx, time.Hour) }()
	cancel()
	select {
	case err := <-result:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Sleep still waiting 30s after its context ended")
	}
}
