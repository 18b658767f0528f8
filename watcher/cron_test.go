package watcher

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNewCron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, tz string
		wantErr  bool
	}{
		{"*/30 * * * *", "", false},
		{"0 9 * * MON-FRI", "Europe/Paris", false},
		{"@daily", "America/New_York", false},
		{"@every 100ms", "", false},
		{"@every 1h30m", "Asia/Tokyo", false},
		{"", "", true},
		{"* * *", "", true},
		{"61 * * * *", "", true},
		{"* * * * * *", "", true}, // seconds are not part of the standard form
		{"@every 0s", "", true},
		{"@every -1s", "", true},
		{"@every soon", "", true},
		{"@fortnightly", "", true},
		{"TZ=UTC", "", true},
		{"CRON_TZ=Europe/Paris 0 * * * *", "", true},
		{"0 0 30 2 *", "", true}, // February 30th never comes
		{"0 * * * *", "Mars/Olympus_Mons", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"@"+tt.tz, func(t *testing.T) {
			_, err := NewCron(tt.expr, tt.tz)
			if (err != nil) != tt.wantErr {
				t.Errorf("NewCron(%q, %q) error = %v, want error %v", tt.expr, tt.tz, err, tt.wantErr)
			}
		})
	}
}

func TestCron_Next(t *testing.T) {
	t.Parallel()
	// 2026-03-07 is the Saturday before the United States move to summer
	// time (Sunday 2026-03-08, 02:00).
	from := time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		expr, tz string
		want     string // RFC 3339
	}{
		{"0 9 * * *", "", "2026-03-08T09:00:00Z"},
		{"0 9 * * *", "UTC", "2026-03-08T09:00:00Z"},
		{"0 9 * * *", "America/New_York", "2026-03-08T09:00:00-04:00"}, // summer time already
		{"0 9 * * *", "Europe/Paris", "2026-03-08T09:00:00+01:00"},
		{"30 2 * * *", "America/New_York", "2026-03-09T02:30:00-04:00"}, // 02:30 does not exist on the 8th
		{"@daily", "Asia/Tokyo", "2026-03-08T00:00:00+09:00"},
		{"*/30 * * * *", "", "2026-03-07T14:30:00Z"},
		{"@every 90s", "", "2026-03-07T14:01:30Z"},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"@"+tt.tz, func(t *testing.T) {
			c, err := NewCron(tt.expr, tt.tz)
			if err != nil {
				t.Fatal(err)
			}
			got := c.Next(from).Format(time.RFC3339)
			if got != tt.want {
				t.Errorf("Next(%s) = %s, want %s", from.Format(time.RFC3339), got, tt.want)
			}
		})
	}
}

func TestCron_Run_Ticks(t *testing.T) {
	t.Parallel()
	c, err := NewCron("@every 100ms", "")
	if err != nil {
		t.Fatal(err)
	}
	events := startSource(t, c.Run)
	var last time.Time
	for i := range 3 {
		ev := next(t, events)
		if ev.Kind != KindSchedule || ev.Schedule != "@every 100ms" || ev.Detail() != "@every 100ms" {
			t.Errorf("tick %d = %+v, want a schedule event for @every 100ms", i, ev)
		}
		if !ev.Time.After(last) {
			t.Errorf("tick %d at %s, not after the previous tick at %s", i, ev.Time, last)
		}
		last = ev.Time
	}
}

func FuzzNewCron(f *testing.F) {
	for _, s := range []string{"*/30 * * * *", "0 9 * * MON-FRI", "@daily", "@every 100ms",
		"TZ=", "CRON_TZ=x", "1-5/0 * * * *", "*/0 * * * *", "0 0 31 2 *", "@every 1ns", "5-1 * * * *"} {
		f.Add(s, "")
		f.Add(s, "Europe/Paris")
	}
	f.Fuzz(func(t *testing.T, expr, tz string) {
		c, err := NewCron(expr, tz)
		if err != nil {
			return
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if n := c.Next(from); !n.After(from) {
			t.Errorf("NewCron(%q, %q).Next(%s) = %s, not after it", expr, tz, from, n)
		}
	})
}

// TestCron_Next_RepeatedHour pins what docs/triggers.md says: when clocks
// go back, a time in the repeated hour comes twice, once in each offset.
func TestCron_Next_RepeatedHour(t *testing.T) {
	t.Parallel()
	c, err := NewCron("30 1 * * *", "America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC) // midnight, summer time
	var got []string
	for range 3 {
		from = c.Next(from)
		got = append(got, from.Format(time.RFC3339))
	}
	want := []string{"2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-02T01:30:00-05:00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ticks (-want +got):\n%s", diff)
	}
}
