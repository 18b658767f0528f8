package reports

import (
	"time"

	"github.com/mlcd-dev/mlcd/compare"
)

// formatValue prints a param value for a table cell, as compare does.
func formatValue(v any) string { return compare.FormatValue(v) }

// formatFloat prints a metric with up to 6 significant digits, as compare
// does.
func formatFloat(v float64) string { return compare.FormatFloat(v) }

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
