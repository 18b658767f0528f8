package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// formatValue prints a param value (string, number, bool, or anything a
// JSON record may hold) for a table cell.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return formatFloat(x)
	case bool, int, int64, json.Number:
		return fmt.Sprint(x)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// formatFloat prints a metric with up to 6 significant digits.
func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// formatTime prints a time in UTC, to the second; "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// formatDuration prints the time between start and end, rounded; "" when
// either is missing.
func formatDuration(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return ""
	}
	d := end.Sub(start)
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// seconds is the time between start and end in seconds, 0 when unknown.
func seconds(start, end time.Time) float64 {
	if start.IsZero() || end.IsZero() {
		return 0
	}
	return end.Sub(start).Seconds()
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }
