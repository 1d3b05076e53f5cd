package pipelines

import (
	"fmt"
	"time"
)

// Shanghai is Asia/Shanghai, the zone of every MySQL DATETIME we read.
// It is a fixed +08:00 zone (China has had no daylight saving since 1991),
// so it needs no tzdata on the host.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// DayStart returns 00:00 of t's day in Asia/Shanghai.
func DayStart(t time.Time) time.Time {
	t = t.In(Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai)
}

// Window is one period of a cadence, half-open [Start, End), in Shanghai
// local time.
type Window struct {
	Start time.Time
	End   time.Time
}

// String formats the window as RFC 3339 start/end.
func (w Window) String() string {
	return w.Start.In(Shanghai).Format(time.RFC3339) + "/" + w.End.In(Shanghai).Format(time.RFC3339)
}

// Contains reports whether t falls in [Start, End).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// Schedule says how the windows of one cadence are laid out and when each
// is due.
type Schedule struct {
	Cadence Cadence `yaml:"cadence"`
	// Align shifts the window grid: a daily cadence aligned at 23h has
	// windows [D-1 23:00, D 23:00), pushed after 23:00 on D.
	Align time.Duration `yaml:"align"`
	// DeadlineAfter is how long after the window end the push must be
	// complete.
	DeadlineAfter time.Duration `yaml:"deadline_after"`
	// StaleAfter: a run of consecutive windows without any push that spans
	// at least this long is stale rather than missed.
	StaleAfter time.Duration `yaml:"stale_after"`
}

// Schedules are the schedules of every cadence: DefaultSchedules with the
// config's overrides. Reconciliation, explain and the statistics check all
// take a cadence's schedule from one Schedules value (Of, Statistics).
type Schedules map[Cadence]Schedule

// DefaultSchedules returns the schedules used when the config says nothing:
// a daily push after 23:00 covers [D-1 23:00, D 23:00) and must be complete
// by 06:00 on D+1; a sub-daily push must be complete one period after its
// window ends; a target without any push for 2 hours is stale. A one-time
// push or media copy covers the day it is made (OneTimeWindow) and must be
// complete by 07:00 the next day; it is never stale.
func DefaultSchedules() Schedules {
	return Schedules{
		Every10m:       {Cadence: Every10m, DeadlineAfter: 10 * time.Minute, StaleAfter: 2 * time.Hour},
		Every30m:       {Cadence: Every30m, DeadlineAfter: 30 * time.Minute, StaleAfter: 2 * time.Hour},
		Hourly:         {Cadence: Hourly, DeadlineAfter: time.Hour, StaleAfter: 2 * time.Hour},
		DailyAfter2300: {Cadence: DailyAfter2300, Align: 23 * time.Hour, DeadlineAfter: 7 * time.Hour, StaleAfter: 48 * time.Hour},
		Once:           {Cadence: Once, DeadlineAfter: 7 * time.Hour},
		MediaCopy:      {Cadence: MediaCopy, DeadlineAfter: 7 * time.Hour},
	}
}

// Of returns the schedule of cadence c, or an error naming c when there is
// none.
func (s Schedules) Of(c Cadence) (Schedule, error) {
	sch, ok := s[c]
	if !ok {
		return Schedule{Cadence: c}, fmt.Errorf("no schedule for cadence %s", c)
	}
	return sch, nil
}

// Statistics is the schedule of the business-vs-statistics check: the
// statistics are computed nightly like a daily push, one window per
// calendar day [D 00:00, D+1 00:00), due and stale as the daily cadence.
func (s Schedules) Statistics() (Schedule, error) {
	sch, err := s.Of(DailyAfter2300)
	sch.Align = 0
	return sch, err
}

// ScheduleOverride changes the window grid, deadline or stale limit of one
// periodic cadence (the config's schedules: key); a nil field keeps the
// default.
type ScheduleOverride struct {
	Align         *time.Duration `yaml:"align,omitempty"`
	DeadlineAfter *time.Duration `yaml:"deadline_after,omitempty"`
	StaleAfter    *time.Duration `yaml:"stale_after,omitempty"`
}

// Override applies o to the schedule of cadence c.
func (s Schedules) Override(c Cadence, o ScheduleOverride) {
	sch := s[c]
	sch.Cadence = c
	if o.Align != nil {
		sch.Align = *o.Align
	}
	if o.DeadlineAfter != nil {
		sch.DeadlineAfter = *o.DeadlineAfter
	}
	if o.StaleAfter != nil {
		sch.StaleAfter = *o.StaleAfter
	}
	s[c] = sch
}

// OneTimeWindow is the window of a one-time push or media copy made on
// the day starting at day: that whole day.
func OneTimeWindow(day time.Time) Window {
	return Window{Start: day, End: day.AddDate(0, 0, 1)}
}

// Span is the length of one window of the schedule: the period of a
// periodic cadence, a day for a one-time push or media copy.
func (s Schedule) Span() time.Duration {
	if p := s.Cadence.Period(); p > 0 {
		return p
	}
	return 24 * time.Hour
}

// WindowAt returns the window of the schedule that contains t.
func (s Schedule) WindowAt(t time.Time) (Window, error) {
	p := s.Cadence.Period()
	if p == 0 {
		return Window{}, fmt.Errorf("cadence %s has no periodic windows", s.Cadence)
	}
	// The grid is anchored at the day's start plus Align; floor division
	// finds t's window in one step whatever the Align (a loop stepping one
	// period at a time would take as long as Align is large).
	anchor := DayStart(t).Add(s.Align)
	n := t.Sub(anchor) / p
	if t.Before(anchor.Add(n * p)) {
		n--
	}
	start := anchor.Add(n * p)
	return Window{Start: start, End: start.Add(p)}, nil
}

// Windows returns every window that starts in [from, to), in order.
func (s Schedule) Windows(from, to time.Time) ([]Window, error) {
	first, err := s.WindowAt(from)
	if err != nil {
		return nil, err
	}
	if first.Start.Before(from) {
		first = Window{Start: first.End, End: first.End.Add(s.Cadence.Period())}
	}
	var out []Window
	for w := first; w.Start.Before(to); w = (Window{Start: w.End, End: w.End.Add(s.Cadence.Period())}) {
		out = append(out, w)
	}
	return out, nil
}

// Deadline is when the push of w must be complete.
func (s Schedule) Deadline(w Window) time.Time { return w.End.Add(s.DeadlineAfter) }
