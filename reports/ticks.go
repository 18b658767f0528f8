package reports

import (
	"math"
	"strconv"
	"strings"
)

// Axis ticks fall on round values, 1, 2 or 5 × 10^n, as a reader counts:
// 0, 0.2, 0.4, not 0.169, 0.339.

// niceStep returns the round step that cuts span into about n parts.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || !finite(span) || n < 1 {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / p; {
	case f < 1.5:
		return p
	case f < 3:
		return 2 * p
	case f < 7:
		return 5 * p
	}
	return 10 * p
}

// niceTicks returns the multiples of a round step inside [lo, hi], about
// n of them, and the step. A step below minStep is raised to it (steps
// of a history are whole numbers).
func niceTicks(lo, hi float64, n int, minStep float64) ([]float64, float64) {
	return appendNiceTicks(nil, lo, hi, n, minStep)
}

// appendNiceTicks is niceTicks appending to out: a run page's 80 charts
// pass a buffer on their stack.
func appendNiceTicks(out []float64, lo, hi float64, n int, minStep float64) ([]float64, float64) {
	step := max(niceStep(hi-lo, n), minStep)
	if !finite(lo) || !finite(hi) || hi < lo {
		return out, step
	}
	if hi == lo {
		return append(out, lo), max(niceStep(math.Abs(lo)*1e-3, 1), minStep)
	}
	const eps = 1e-9
	for k := math.Ceil(lo/step - eps); k*step <= hi+step*eps && len(out) <= 2*n+2; k++ {
		out = append(out, k*step)
	}
	return out, step
}

// formatNice prints a tick of a scale of step without the noise of
// floating point (3 × 0.1 prints "0.3").
func formatNice(v, step float64) string {
	if math.Abs(v) < step*1e-6 {
		return "0"
	}
	if math.Abs(v) >= 1e6 || step < 1e-4 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	d := 0
	if step < 1 {
		d = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	s := strconv.FormatFloat(v, 'f', d, 64)
	if d > 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
