package reports

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, minStep float64
		want            string
	}{
		{0, 1, 0, "0 0.2 0.4 0.6 0.8 1"},
		{0.672, 0.681, 0, "0.672 0.674 0.676 0.678 0.68"},
		{0, 67.8, 0, "0 20 40 60"},
		{0, 99, 1, "0 20 40 60 80"},
		{0, 3, 1, "0 1 2 3"},
		{-1.5, 1.5, 0, "-1 0 1"},
		{1e6, 5e6, 0, "1e+06 2e+06 3e+06 4e+06 5e+06"},
		{0.3, 0.3, 0, "0.3"},
	} {
		ticks, step := niceTicks(tc.lo, tc.hi, 4, tc.minStep)
		var labels []string
		for _, v := range ticks {
			labels = append(labels, formatNice(v, step))
		}
		if got := strings.Join(labels, " "); got != tc.want {
			t.Errorf("niceTicks(%v, %v) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
		for _, v := range ticks {
			m := v / step
			if math.Abs(m-math.Round(m)) > 1e-6 || v < tc.lo-step*1e-6 || v > tc.hi+step*1e-6 {
				t.Errorf("niceTicks(%v, %v): %v is not a multiple of %v inside the range", tc.lo, tc.hi, v, step)
			}
		}
		mant := step / math.Pow(10, math.Floor(math.Log10(step)))
		if r := math.Round(mant); math.Abs(mant-r) > 1e-9 || (r != 1 && r != 2 && r != 5) {
			t.Errorf("step %v is not 1, 2 or 5 × 10^n", step)
		}
	}
}

func TestBarAxis(t *testing.T) {
	for _, tc := range []struct {
		vals   []float64
		lo, hi float64
	}{
		{[]float64{0.672, 0.681}, 0.67, 0.681}, // close values: the axis starts just below them
		{[]float64{0.1, 0.9}, 0, 0.9},          // zero is close: bars from zero
		{[]float64{5, 5}, 0, 5},
		{[]float64{-3, -2}, -3.2, -2},
		{[]float64{math.NaN()}, 0, 0},
	} {
		lo, hi := barAxis(tc.vals)
		if math.Abs(lo-tc.lo) > 1e-9 || hi != tc.hi {
			t.Errorf("barAxis(%v) = %v, %v; want %v, %v", tc.vals, lo, hi, tc.lo, tc.hi)
		}
	}
	c := newBarChart("m", []string{"a", "b"}, []string{"f1"}, [][]float64{{0.672, 0.681}})
	short, long := c.Groups[0].Bars[0].W, c.Groups[0].Bars[1].W
	if short*2 > long || !strings.Contains(c.Groups[0].Label, "not zero") {
		t.Errorf("bars of 0.672 and 0.681: %v and %v wide, label %q; want the difference visible and the axis named", short, long, c.Groups[0].Label)
	}
}

func TestTimeTick(t *testing.T) {
	at := float64(time.Date(2026, 12, 6, 4, 9, 30, 0, time.UTC).Unix())
	for _, tc := range []struct {
		unit, step float64
		want       string
	}{
		{1, 5, "04:09:30"},
		{60, 2, "Dec 6 04:09"},
		{3600, 1, "Dec 6 04:09"},
		{86400, 1, "Dec 6"},
	} {
		if got := timeTick(tc.unit)(at/tc.unit, tc.step); got != tc.want {
			t.Errorf("unit %v step %v: %q, want %q", tc.unit, tc.step, got, tc.want)
		}
	}
}
