package watcher

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Cron sends a KindSchedule Event at each time its schedule names. Ticks
// that come while the receiver is busy are not queued: the next tick is
// computed from the time the previous one was delivered.
type Cron struct {
	expr  string
	sched cron.Schedule
	loc   *time.Location
}

// NewCron parses a schedule: five fields (minute hour day-of-month month
// day-of-week), a descriptor (@hourly, @daily, @weekly, @monthly, @yearly)
// or "@every DURATION" (any positive Go duration, also under a second). tz is
// an IANA zone name ("Europe/Paris") for the five-field form and the
// descriptors; "" means UTC.
func NewCron(expr, tz string) (*Cron, error) {
	loc, err := loadZone(tz)
	if err != nil {
		return nil, err
	}
	sched, err := parseSchedule(strings.TrimSpace(expr), loc)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", expr, err)
	}
	c := &Cron{expr: expr, sched: sched, loc: loc}
	if c.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("schedule %q: never fires", expr)
	}
	return c, nil
}

func loadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", tz, err)
	}
	return loc, nil
}

// parseSchedule parses with robfig/cron's standard parser, except
// "@every", whose duration robfig rounds up to a second, and a TZ= prefix,
// which the time zone argument replaces.
func parseSchedule(expr string, loc *time.Location) (s cron.Schedule, err error) {
	if d, ok := strings.CutPrefix(expr, "@every "); ok {
		every, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return nil, err
		}
		if every <= 0 {
			return nil, fmt.Errorf("@every needs a positive duration, not %s", every)
		}
		return everySchedule(every), nil
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return nil, fmt.Errorf("give the time zone as the pipeline's timezone, not in the expression")
	}
	defer func() { // the parser has panicked on odd input before; never let it take the process
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid expression: %v", r)
		}
	}()
	s, err = cron.ParseStandard(expr)
	if err != nil {
		return nil, err
	}
	if spec, ok := s.(*cron.SpecSchedule); ok {
		spec.Location = loc
	}
	return s, nil
}

// everySchedule fires at a constant delay after the previous tick.
type everySchedule time.Duration

func (e everySchedule) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// String returns the expression the schedule was made from.
func (c *Cron) String() string { return c.expr }

// Next returns the first tick after t, in the schedule's zone; the zero time
// when there is none.
func (c *Cron) Next(t time.Time) time.Time {
	n := c.sched.Next(t)
	if n.IsZero() {
		return n
	}
	return n.In(c.loc)
}

// Run ticks until ctx is done and returns nil.
func (c *Cron) Run(ctx context.Context, out chan<- Event) error {
	next := c.Next(time.Now())
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		if !send(ctx, out, Event{Kind: KindSchedule, Schedule: c.expr, Time: next}) {
			return nil
		}
		next = c.Next(time.Now())
		if next.IsZero() {
			<-ctx.Done() // a schedule that ran out of ticks (checked at creation)
			return nil
		}
		timer.Reset(time.Until(next))
	}
}
